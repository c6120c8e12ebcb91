/**
 * The FranceConnect / FranceConnect+ emulator in a process of its own, so that its CPU time is never
 * counted as the relying party's. Counts the requests it receives from its request log (one line per
 * request: `fcp POST /api/v2/token 200 3ms`), by platform, method and path.
 *
 * Commands: `requests` (the counts since the last `resetRequests`), `resetRequests`.
 */
import { startFcEmulator, type EmulatorClientConfig } from '../../libs/fc-emulator/src/index.js';
import { childConfig, failStart, serve } from './ipc.js';

/** What the parent gives this process. */
export interface EmulatorProcessConfig {
  readonly fcPort: number;
  readonly fcpPort: number;
  readonly clients: EmulatorClientConfig[];
  /** Keep the relying parties' JWKS between requests, as FranceConnect+ does (see `startFcEmulator`). */
  readonly cacheClientJwks: boolean;
}

const REQUEST_LINE = /^(fcp?) ([A-Z]+) (\S+) \d{3} /;

async function main(): Promise<void> {
  const config = childConfig<EmulatorProcessConfig>();
  let counts = new Map<string, number>();
  const emulator = await startFcEmulator({
    fcPort: config.fcPort,
    fcpPort: config.fcpPort,
    clients: config.clients,
    cacheClientJwks: config.cacheClientJwks,
    log: (line) => {
      const match = REQUEST_LINE.exec(line);
      if (!match) return;
      const key = `${match[1]} ${match[2]} ${match[3]}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
  });
  serve(
    {
      requests: () => Object.fromEntries(counts),
      resetRequests: () => {
        counts = new Map();
        return true;
      },
    },
    { fc: emulator.fc.issuer, fcp: emulator.fcp.issuer },
    () => emulator.stop(),
  );
}

main().catch(failStart);
