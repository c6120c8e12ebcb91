/**
 * The emulator's own error: a bad configuration, reported once at start with every problem listed.
 */

/** Thrown by `startFcEmulator` (and the CLI) when the options or the clients file are invalid. */
export class EmulatorConfigurationError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'FC_EMULATOR_CONFIGURATION';

  /** Each problem found, one sentence each, saying what to fix. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(`Invalid fc-emulator configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`, options);
    this.name = 'EmulatorConfigurationError';
    this.problems = Object.freeze([...problems]);
  }
}
