import { AcrError, AcrTooLowError } from '../errors/franceconnect.errors.js';
import { EIDAS_LEVELS, PLATFORM_LABELS, PLATFORM_LEVELS, type EidasLevel, type PlatformId } from '../platforms.js';

export { EIDAS_LEVELS, PLATFORM_LEVELS, type EidasLevel };

/** Levels compared as ordered numbers, never as strings. */
const RANK: Readonly<Record<EidasLevel, number>> = Object.freeze({ eidas1: 1, eidas2: 2, eidas3: 3 });

/** Whether a value is one of the three known levels. */
export function isEidasLevel(value: unknown): value is EidasLevel {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** The numeric rank of a known level (`eidas1` = 1 … `eidas3` = 3). */
export function eidasRank(level: EidasLevel): number {
  return RANK[level];
}

/** Whether `actual` is at least `required`. An unknown or missing `actual` never satisfies anything. */
export function satisfiesEidas(actual: unknown, required: EidasLevel): boolean {
  return isEidasLevel(actual) && RANK[actual] >= RANK[required];
}

/**
 * Checks the `acr` an ID token returned against the level that was asked for.
 *
 * New values do appear in federations (another one once sent `eidas0` and broke strict clients), so an
 * unknown value is a failure that names the value, never a silent downgrade or upgrade.
 *
 * @throws {AcrError} when `acr` is missing or not a known eIDAS level.
 * @throws {AcrTooLowError} when `acr` is a known level lower than `requested`.
 * @throws {AcrError} when `platform` is given and `acr` is a level it does not return (FranceConnect: only
 *   `eidas1`; FranceConnect+: `eidas2`, `eidas3`).
 */
export function assertAcrSatisfies(acr: unknown, requested: EidasLevel, platform?: PlatformId): EidasLevel {
  if (acr === undefined || acr === null || acr === '') {
    throw new AcrError(`The ID token carries no "acr" claim; "${requested}" was requested`, { platform });
  }
  if (!isEidasLevel(acr)) {
    const shown = typeof acr === 'string' ? acr.slice(0, 32) : typeof acr;
    throw new AcrError(`The ID token's "acr" value "${shown}" is not a known eIDAS level (eidas1, eidas2, eidas3)`, {
      platform,
    });
  }
  if (RANK[acr] < RANK[requested]) {
    throw new AcrTooLowError(`The platform returned "${acr}" but "${requested}" was requested`, { platform });
  }
  // A level is only worth what its platform can vouch for: FranceConnect never returns more than eidas1,
  // FranceConnect+ never less than eidas2. Another value is a platform (or a forger) out of its rules.
  if (platform !== undefined && !PLATFORM_LEVELS[platform].includes(acr)) {
    throw new AcrError(`The ID token's "acr" value "${acr}" is not one ${PLATFORM_LABELS[platform]} returns (${PLATFORM_LEVELS[platform].join(', ')})`, { platform });
  }
  return acr;
}
