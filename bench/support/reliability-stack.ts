/**
 * The reliability benchmark's deployment: two instances of the sample app, each in a process of its own
 * (so that each one's memory can be read), sharing one private Redis and one private PostgreSQL, and the
 * emulator playing both platforms, one emulator per platform, each in a process of its own, so that either
 * can go down alone (see `bench/processes/platform.process.ts`). Every piece can be stopped and started
 * again on the same port, as in an outage.
 *
 * The instances stand behind a load balancer that terminates TLS, as in production: their public URL is
 * {@link PUBLIC_URL}, which the sample app takes as the sign that it is behind one proxy (it then trusts
 * one hop of `X-Forwarded-For` and `X-Forwarded-Proto`). A client reaches an instance directly and sends
 * those headers as the load balancer would (see {@link forwardedHeaders}): that is how many browsers
 * are told apart from one client, by the per-client limit on sign-in starts.
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EmulatorClientConfig } from '../../libs/fc-emulator/src/index.js';
import { demoClients, writeServiceKeys } from '../../test/support/demo-stack.js';
import { startPrivateRedis, type PrivateRedis } from '../../test/support/redis-server.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';
import { BenchProcess, freePorts } from './processes.js';
import type { AppProcessConfig } from '../processes/app.process.js';
import type { PlatformProcessConfig } from '../processes/platform.process.js';

/** The instances' public URL (APP_URL): the load balancer's, never requested. */
export const PUBLIC_URL = 'https://app.localhost';

/** The headers a load balancer that terminated TLS adds for a client at `address`. */
export function forwardedHeaders(address: string): Record<string, string> {
  return { 'x-forwarded-for': address, 'x-forwarded-proto': 'https' };
}

/** One platform, which can be made unreachable and reachable again on the same port. */
export interface SwitchablePlatform {
  /** The issuer the sample app is configured with. */
  readonly issuer: string;
  /** Makes the platform unreachable: its port closes and every open connection is cut. */
  stop(): Promise<void>;
  /** Makes it reachable again on the same port. */
  start(): Promise<void>;
}

/** One instance of the sample app. */
export interface AppInstance {
  /** Its direct URL, over http (the public one is {@link PUBLIC_URL}). */
  readonly url: string;
  readonly process: BenchProcess<{ url: string }>;
}

/** What {@link startReliabilityStack} started. */
export interface ReliabilityStack {
  readonly instances: readonly [AppInstance, AppInstance];
  readonly redis: PrivateRedis;
  readonly postgres: PrivatePostgres;
  readonly platforms: { readonly fc: SwitchablePlatform; readonly fcp: SwitchablePlatform };
  /** Stops everything and removes the run's files; safe after a partial start. */
  stop(): Promise<void>;
}

/** The emulator serving `platform` in a process of its own, behind a relay on the platform's public `port`. */
async function switchablePlatform(
  platform: 'fc' | 'fcp',
  port: number,
  [innerPort, sparePort]: readonly [number, number],
  clients: EmulatorClientConfig[],
): Promise<SwitchablePlatform & { close(): Promise<void> }> {
  const child = await BenchProcess.start<{ issuer: string }>('platform.process', {
    platform,
    port,
    innerPort,
    sparePort,
    clients,
  } satisfies PlatformProcessConfig);
  return {
    issuer: child.ready.issuer,
    stop: async () => {
      await child.call('down');
    },
    start: async () => {
      await child.call('up');
    },
    close: () => child.stop(),
  };
}

/**
 * Starts Redis, PostgreSQL, the two platforms and the two instances (one after the other: each runs the
 * identity tables' migrations at start).
 *
 * @throws {Error} when a piece fails to start; what had started is stopped first.
 */
export async function startReliabilityStack(): Promise<ReliabilityStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).toReversed()) await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
  };
  try {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const postgres = await startPrivatePostgres();
    cleanups.push(() => postgres.destroy());
    const [portA, portB, fcPort, fcpPort, ...inner] = await freePorts(8);
    // The emulator fetches the app's JWKS from the first instance directly, not through the load balancer.
    const clients = demoClients(PUBLIC_URL, 'RSA-OAEP-256', 'ES256', {}, { fcp: { jwks_uri: `http://localhost:${portA}/.well-known/jwks.json` } });
    const fc = await switchablePlatform('fc', fcPort!, [inner[0]!, inner[1]!], clients);
    cleanups.push(() => fc.close());
    const fcp = await switchablePlatform('fcp', fcpPort!, [inner[2]!, inner[3]!], clients);
    cleanups.push(() => fcp.close());
    const keysFile = await writeServiceKeys();
    cleanups.push(() => rm(dirname(keysFile), { recursive: true, force: true }));
    const common = {
      APP_URL: PUBLIC_URL,
      FC_ISSUER: fc.issuer,
      FCP_ISSUER: fcp.issuer,
      FCP_ENCRYPTION_ALG: 'RSA-OAEP-256',
      FC_SIGNING_ALG: 'ES256',
      SP_KEYS_FILE: keysFile,
      SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
      REDIS_URL: redis.url,
      DATABASE_URL: postgres.url,
      IDENTITY_LINKING: 'true',
      FC_COMMON_IDENTIFIER: 'true',
    };
    const instances: AppInstance[] = [];
    for (const port of [portA!, portB!]) {
      const child = await BenchProcess.start<{ url: string }>('app.process', {
        mode: 'sample',
        env: { ...common, PORT: String(port) },
      } satisfies AppProcessConfig);
      cleanups.push(() => child.stop());
      instances.push({ url: `http://localhost:${port}`, process: child });
    }
    return { instances: [instances[0]!, instances[1]!], redis, postgres, platforms: { fc, fcp }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resident memory of a process (`VmRSS` of `/proc/<pid>/status`), in bytes; `NaN` when it is gone. */
export async function residentBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? Number.NaN : Number(kib) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process by kind of mapping, in bytes (from `/proc/<pid>/smaps`). */
export interface ResidentSplit {
  /** The C heap grown with brk (`[heap]`): malloc's main arena. */
  readonly brk: number;
  /** Anonymous mappings: V8's heap pages, malloc's other arenas and large blocks, thread stacks. */
  readonly anonymous: number;
  /** Mapped files: the executable, shared libraries. */
  readonly files: number;
}

/** {@link ResidentSplit} of the process `pid`; zeros when it is gone. */
export async function residentSplit(pid: number): Promise<ResidentSplit> {
  const split = { brk: 0, anonymous: 0, files: 0 };
  let smaps: string;
  try {
    smaps = await readFile(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return split;
  }
  let kind: keyof ResidentSplit = 'anonymous';
  for (const line of smaps.split('\n')) {
    // A mapping's header: address range, permissions, offset, device, inode, then its path if any.
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const path = header[1]!;
      kind = path === '[heap]' ? 'brk' : path === '' || path.startsWith('[') ? 'anonymous' : 'files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line)?.[1];
    if (rss !== undefined) split[kind] += Number(rss) * 1024;
  }
  return split;
}

/** Whether the process `pid` is still running. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
