/**
 * Reliability of two instances of the sample app sharing one Redis and one PostgreSQL, behind a load
 * balancer, while N scripted browsers sign in for the first time on both platforms (FranceConnect and
 * FranceConnect+ in turn), each sign-in started on one instance and finished on the other, then read back
 * on the first. Five phases:
 *
 *   0. baseline;
 *   a. Redis killed and started again (it keeps nothing on disk: it comes back empty);
 *   b. PostgreSQL stopped at once (as in a crash) while the first sign-ins are being linked to accounts,
 *      then started again;
 *   c. FranceConnect+ unreachable then back (its port closed, open connections cut), FranceConnect
 *      staying up;
 *   d. a flood of sign-in starts from one client without cookies, beside the browsers.
 *
 * Prints, per phase, completed sign-ins, errors by kind (HTTP status and route), lost sessions, duplicate
 * accounts, recovery time and memory; then one table and the target.
 *
 *   npx vitest bench --run bench/reliability.bench.ts
 *
 * Environment: BENCH_CONCURRENCY (browsers at once, default 50), BENCH_SECONDS (per phase, default 20),
 * BENCH_FLOOD (sign-in starts of the flood, default 100000). Redis and PostgreSQL are private servers on
 * free ports, removed at the end; the machine's own are never touched. See docs/reliability.md.
 *
 * Like bench/scale-out-load.bench.ts, everything runs inside one bench task (vitest runs no hooks in bench
 * mode): vitest's own table shows one sample; the figures are the ones printed.
 */
import 'reflect-metadata';
import { createClient } from 'redis';
import { DataSource } from 'typeorm';
import { bench, describe } from 'vitest';
import { EmulatorFlowError, HttpAgent, TEST_IDENTITIES, completeEmulatorLogin, type AgentResponse } from '../libs/franceconnect/src/testing/index.js';
import {
  forwardedHeaders,
  isRunning,
  residentBytes,
  residentSplit,
  startReliabilityStack,
  type ReliabilityStack,
  type ResidentSplit,
} from './support/reliability-stack.js';
import { RUN_ONCE, envInt, loadConditions, mib } from './support/stats.js';

const CONCURRENCY = envInt('BENCH_CONCURRENCY', 50);
const SECONDS = envInt('BENCH_SECONDS', 20);
const FLOOD = envInt('BENCH_FLOOD', 100_000);
/** Flood requests in flight at once, from the one client. */
const FLOOD_PARALLEL = 64;
/** How long each service stays down. */
const OUTAGE_MS = 2000;
/** How long an outage phase waits, after the service is back, for a sign-in to succeed again. */
const RECOVERY_LIMIT_MS = 30_000;
/** A browser whose sign-in failed waits this long before the next one, as a person would before retrying. */
const RETRY_PAUSE_MS = 250;
/**
 * How long after a full collection resident memory is read: V8 hands the pages it freed back to the system
 * from a background thread, after the collection returns (read at once, a flooded instance showed some
 * 50 MiB more than a moment later).
 */
const SETTLE_MS = 2000;
/** The flood's one client, as the load balancer reports it. */
const FLOOD_CLIENT = '198.51.100.7';
/**
 * "Flat" under the flood: the flooded instance's resident memory and V8 heap after full collections, and
 * Redis's used_memory, end less than this many bytes per flood request above where they began, once the
 * browsers' part is taken out (the other instance's growth; the sessions of their sign-ins in Redis).
 */
const FLAT_BYTES_PER_REQUEST = 100;

type Platform = 'fc' | 'fcp';

/** The service an outage phase takes down, and what counts as recovered. */
interface Outage {
  readonly service: string;
  /** Recovered by a sign-in on this platform only (the other one never went down). */
  readonly recoversWith?: Platform;
  /** A restart that loses the service's data: sessions it held are gone, not lost by the application. */
  readonly wipesSessions: boolean;
  down?: number;
  back?: number;
  /** When the first sign-in after `back` was answered. */
  recovered?: number;
}

/** An answer of the sample app with a 5xx status, kept with its time to tell outage 503s from the rest. */
interface ServerError {
  readonly kind: string;
  readonly status: number;
  readonly at: number;
}

/** A person with more than one account: when each was created, and with which platform's identity. */
interface DuplicatedPerson {
  readonly created: readonly number[];
  readonly platforms: readonly string[];
}

interface AccountFigures {
  readonly accounts: number;
  readonly people: number;
  readonly duplicates: number;
  readonly withoutIdentity: number;
  readonly duplicated: readonly DuplicatedPerson[];
}

interface MemoryFigures {
  /** Resident memory of each instance (VmRSS), as it was. */
  readonly rss: readonly number[];
  /**
   * Resident memory of each instance after two full collections and {@link SETTLE_MS}: what the process
   * keeps.
   */
  readonly rssCollected: readonly number[];
  /** V8 heap of each instance after two full collections: in use, and reserved. */
  readonly heap: readonly number[];
  readonly heapTotal: readonly number[];
  /** Memory of each instance's objects outside the V8 heap (buffers), after two full collections. */
  readonly external: readonly number[];
  /** Each instance's resident memory after two full collections, by kind of mapping. */
  readonly split: readonly ResidentSplit[];
  readonly redisUsed: number;
  readonly redisKeys: number;
  /** Redis keys by kind: sessions, sign-in transactions (with their indexes), per-client counts of sign-in starts, the rest. */
  readonly redisKinds: Readonly<Record<'sessions' | 'transactions' | 'counts' | 'other', number>>;
  /** Mean bytes Redis gives a session (MEMORY USAGE of up to 50 of them). */
  readonly redisSessionBytes: number;
}

interface FloodFigures {
  readonly statuses: ReadonlyMap<string, number>;
  readonly seconds: number;
  readonly before: MemoryFigures;
  /** Highest resident memory of each instance, sampled every 500 ms during the flood. */
  readonly peakRss: readonly number[];
  /** Resident memory of the flooded instance when a quarter, half, three quarters of the flood had been sent. */
  readonly quarterRss: readonly number[];
  /** Sign-ins the browsers completed while the flood ran. */
  readonly signInsDuring: number;
  readonly errorsDuring: number;
}

interface Phase {
  readonly id: string;
  readonly title: string;
  readonly began: number;
  /** When the browsers stop starting sign-ins (Infinity until the phase's controller decides). */
  deadline: number;
  ended: number;
  readonly completed: Record<Platform, number>;
  readonly errors: Map<string, number>;
  readonly serverErrors: ServerError[];
  /** Signed in (the callback answered) but the session did not hold the identity right after. */
  lost: number;
  /** Lost because the store was restarted empty between the callback and the read-back. */
  wiped: number;
  readonly outage?: Outage;
  /** The browsers' last signed-in session each, checked again at the end of the next phase. */
  readonly signedIn: Map<number, { browser: Browser; platform: Platform }>;
  /** Sessions of the previous phase still signed in at the end of this one, and the other answers. */
  earlier?: { kept: number; checked: number; answers: Map<string, number> };
  accounts?: AccountFigures;
  memory?: MemoryFigures;
  flood?: FloodFigures;
  readonly instancesGone: string[];
  /** Called when a browser is about to deliver a callback (see {@link firstCallback}). */
  onCallback?: () => void;
}

let browsersSoFar = 0;

/** A browser, and the headers the load balancer adds to its requests to the sample app. */
interface Browser {
  readonly agent: HttpAgent;
  readonly headers: Record<string, string>;
}

/**
 * Each sign-in is a new browser at an address of its own, as many people signing in for the first time
 * are: none of them is held back by the per-client limit on sign-in starts, which the flood's one client
 * meets.
 */
function newBrowser(): Browser {
  const n = browsersSoFar++;
  return { agent: new HttpAgent(), headers: forwardedHeaders(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function count(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function newPhase(id: string, title: string, deadline: number, outage?: Outage): Phase {
  return {
    id,
    title,
    began: Date.now(),
    deadline,
    ended: Number.NaN,
    completed: { fc: 0, fcp: 0 },
    errors: new Map(),
    serverErrors: [],
    lost: 0,
    wiped: 0,
    outage,
    signedIn: new Map(),
    instancesGone: [],
  };
}

/** What a failed step with the emulator's pages amounts to: the platform unreachable, or its error page. */
function platformFailure(platform: Platform, error: unknown): string {
  if (error instanceof EmulatorFlowError) {
    const code = /error page: ([^\s)–]+)/.exec(error.message)?.[1];
    return `${platform} platform answered ${error.response.status}${code ? ` (${code})` : ''}`;
  }
  return `${platform} platform unreachable`;
}

/** An answer of the sample app that is not the expected one: its status, route and the library's error code. */
function answered(response: AgentResponse, route: string): string {
  // The error page shows the code (<code>FC_…</code>); a JSON answer carries it in `code`.
  const code = /<code>(FC_[A-Z_]+)<\/code>|"code":"(FC_[A-Z_]+)"/.exec(response.body);
  return `${response.status} ${route}${code ? ` ${code[1] ?? code[2]}` : ''}`;
}

/** One sign-in as a new browser; every outcome is counted on `phase`. */
async function signIn(phase: Phase, worker: number, platform: Platform, start: string, finish: string): Promise<boolean> {
  const person = TEST_IDENTITIES[worker % TEST_IDENTITIES.length]!;
  const browser = newBrowser();
  const { agent, headers } = browser;
  const fail = (kind: string, status?: number): false => {
    count(phase.errors, kind);
    if (status !== undefined && status >= 500) phase.serverErrors.push({ kind, status, at: Date.now() });
    return false;
  };
  let route = `/auth/${platform}/login`;
  try {
    const started = await agent.request(`${start}${route}`, { headers });
    if (started.status !== 303 || !started.location) return fail(answered(started, route), started.status);
    let callback: URL;
    try {
      callback = await completeEmulatorLogin(agent, started.location, { identity: person.id });
    } catch (error) {
      return fail(platformFailure(platform, error));
    }
    phase.onCallback?.();
    route = `/auth/${platform}/callback`;
    const answer = await agent.request(`${finish}${callback.pathname}${callback.search}`, { headers });
    const answeredAt = Date.now();
    if (answer.status !== 303 || answer.location?.pathname !== '/') return fail(answered(answer, route), answer.status);
    route = '/me';
    const me = await agent.request(`${start}/me`, { headers: { ...headers, accept: 'application/json' } });
    if (me.status !== 200 && me.status !== 401) return fail(answered(me, route), me.status);
    const body = me.status === 200 ? (JSON.parse(me.body) as { provider?: string; account?: { status?: string } }) : undefined;
    if (body?.provider !== platform) {
      const outage = phase.outage;
      if (outage?.wipesSessions && outage.down !== undefined && answeredAt < (outage.back ?? Infinity)) phase.wiped++;
      else phase.lost++;
      return false;
    }
    if (body.account?.status !== 'linked') return fail(`signed in without an account (${body.account?.status ?? 'none'})`);
    phase.completed[platform]++;
    phase.signedIn.set(worker, { browser, platform });
    const outage = phase.outage;
    if (outage?.back !== undefined && outage.recovered === undefined && answeredAt >= outage.back && (outage.recoversWith ?? platform) === platform) {
      outage.recovered = answeredAt;
    }
    return true;
  } catch {
    return fail(`no answer ${route}`);
  }
}

/** The browsers, until the phase's deadline. Platforms alternate, and so does the instance each starts on. */
async function browsers(phase: Phase, instances: readonly string[]): Promise<void> {
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let round = 0; Date.now() < phase.deadline; round++) {
        const platform: Platform = (worker + round) % 2 === 0 ? 'fc' : 'fcp';
        const [start, finish] = Math.floor((worker + round) / 2) % 2 === 0 ? instances : [instances[1]!, instances[0]!];
        if (!(await signIn(phase, worker, platform, start!, finish!))) await sleep(RETRY_PAUSE_MS);
      }
    }),
  );
}

/** Runs the browsers while `control` decides when the phase ends (it sets `phase.deadline`). */
async function runPhase(phase: Phase, stack: ReliabilityStack, control: (phase: Phase) => Promise<void>): Promise<void> {
  const running = browsers(phase, stack.instances.map((instance) => instance.url));
  try {
    await control(phase);
  } finally {
    if (!Number.isFinite(phase.deadline)) phase.deadline = Date.now();
    await running;
    phase.ended = Date.now();
  }
}

/**
 * Takes the service down when `trigger` resolves, for {@link OUTAGE_MS}, then brings it back and waits for
 * a sign-in to succeed again (at most {@link RECOVERY_LIMIT_MS}); the phase lasts at least BENCH_SECONDS,
 * and half of it (3 s at least) after the service is back.
 */
async function takeDown(phase: Phase, trigger: Promise<void>, stop: () => Promise<void>, start: () => Promise<void>): Promise<void> {
  const outage = phase.outage!;
  await trigger;
  outage.down = Date.now();
  await stop();
  await sleep(OUTAGE_MS);
  await start();
  outage.back = Date.now();
  const planned = Math.max(phase.began + SECONDS * 1000, outage.back + Math.max(SECONDS * 500, 3000));
  const limit = outage.back + RECOVERY_LIMIT_MS;
  while (outage.recovered === undefined && Date.now() < limit) await sleep(50);
  phase.deadline = Math.max(planned, Date.now());
}

/** Resolves at the phase's first callback, or after 30 s. */
function firstCallback(phase: Phase): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    phase.onCallback = () => {
      phase.onCallback = undefined;
      clearTimeout(timer);
      resolve();
    };
  });
}

async function withDatabase<T>(url: string, work: (db: DataSource) => Promise<T>): Promise<T> {
  const db = await new DataSource({ type: 'postgres', url }).initialize();
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Accounts per person. With the common identifier a person has one `sub` on both platforms, so the links
 * grouped by `sub` are the links grouped by person: every account beyond the first of a `sub` is a
 * duplicate.
 */
async function accountFigures(url: string): Promise<AccountFigures> {
  return withDatabase(url, async (db) => {
    const perPerson = (await db.query(`SELECT count(DISTINCT account_id)::int AS accounts FROM fc_identity_link GROUP BY sub`)) as { accounts: number }[];
    const [{ accounts, without }] = (await db.query(
      `SELECT count(*)::int AS accounts,
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM fc_identity_link l WHERE l.account_id = a.id))::int AS without
         FROM fc_account a`,
    )) as { accounts: number; without: number }[];
    const duplicated = (await db.query(
      `SELECT array_agg(l.platform ORDER BY a.created_at) AS platforms,
              array_agg(extract(epoch FROM a.created_at) * 1000 ORDER BY a.created_at) AS created
         FROM fc_identity_link l JOIN fc_account a ON a.id = l.account_id
        GROUP BY l.sub HAVING count(DISTINCT l.account_id) > 1`,
    )) as { platforms: string[]; created: (number | string)[] }[];
    return {
      accounts,
      people: perPerson.length,
      duplicates: perPerson.reduce((sum, person) => sum + person.accounts - 1, 0),
      withoutIdentity: without,
      duplicated: duplicated.map((person) => ({ platforms: person.platforms, created: person.created.map(Number) })),
    };
  });
}

/** Every account goes (links with them), so that the next phase's sign-ins are first sign-ins again. */
async function forgetAccounts(url: string): Promise<void> {
  await withDatabase(url, (db) => db.query('DELETE FROM fc_account'));
}

/** The key prefixes of the sample app's sessions, and of the library's sign-in transactions and per-client counts. */
const SESSION_PREFIX = 'fc:sess:';
const TRANSACTION_PREFIX = 'fc:tx:';
const COUNT_PREFIX = 'fc:throttle:';

async function redisFigures(url: string): Promise<{ used: number; keys: number; kinds: MemoryFigures['redisKinds']; sessionBytes: number }> {
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const info = await client.info('memory');
    const kinds = { sessions: 0, transactions: 0, counts: 0, other: 0 };
    const sampled: string[] = [];
    for await (const keys of client.scanIterator({ COUNT: 1000 })) {
      for (const key of keys) {
        if (key.startsWith(SESSION_PREFIX)) {
          kinds.sessions++;
          if (sampled.length < 50) sampled.push(key);
        } else if (key.startsWith(TRANSACTION_PREFIX)) kinds.transactions++;
        else if (key.startsWith(COUNT_PREFIX)) kinds.counts++;
        else kinds.other++;
      }
    }
    const sizes = await Promise.all(sampled.map((key) => client.memoryUsage(key)));
    const sessionBytes = sizes.reduce<number>((sum, bytes) => sum + (bytes ?? 0), 0) / Math.max(1, sizes.length);
    return { used: Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN), keys: await client.dbSize(), kinds, sessionBytes };
  } finally {
    client.destroy();
  }
}

async function memoryFigures(stack: ReliabilityStack): Promise<MemoryFigures> {
  const processes = stack.instances.map((instance) => instance.process);
  // Resident memory first, as it is: the heap figure below runs full collections.
  const rss = await Promise.all(processes.map((child) => residentBytes(child.pid)));
  const collected = await Promise.all(processes.map((child) => child.memory().catch(() => undefined)));
  await sleep(SETTLE_MS);
  const rssCollected = await Promise.all(processes.map((child) => residentBytes(child.pid)));
  const split = await Promise.all(processes.map((child) => residentSplit(child.pid)));
  const redis = await redisFigures(stack.redis.url);
  return {
    rss,
    rssCollected,
    heap: collected.map((usage) => usage?.heapUsed ?? Number.NaN),
    heapTotal: collected.map((usage) => usage?.heapTotal ?? Number.NaN),
    external: collected.map((usage) => usage?.external ?? Number.NaN),
    split,
    redisUsed: redis.used,
    redisKeys: redis.keys,
    redisKinds: redis.kinds,
    redisSessionBytes: redis.sessionBytes,
  };
}

/**
 * `total` sign-in starts from one client, each a new request without cookies, {@link FLOOD_PARALLEL} at a
 * time; `progress.sent` counts them as they go.
 */
async function flood(url: string, total: number, progress: { sent: number }): Promise<{ statuses: Map<string, number>; seconds: number }> {
  const statuses = new Map<string, number>();
  const began = performance.now();
  await Promise.all(
    Array.from({ length: FLOOD_PARALLEL }, async () => {
      while (progress.sent < total) {
        progress.sent++;
        try {
          const response = await fetch(url, { redirect: 'manual', headers: forwardedHeaders(FLOOD_CLIENT) });
          await response.arrayBuffer();
          count(statuses, String(response.status));
        } catch (error) {
          const code = (error as { cause?: { code?: string } }).cause?.code;
          count(statuses, `no answer${code ? ` (${code})` : ''}`);
        }
      }
    }),
  );
  return { statuses, seconds: (performance.now() - began) / 1000 };
}

function size(bytes: number): string {
  return Number.isFinite(bytes) ? mib(bytes) : 'gone';
}

function plural(times: number, noun: string): string {
  return `${times} ${noun}${times === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function listed(map: ReadonlyMap<string, number>): string {
  if (map.size === 0) return '0';
  return [...map]
    .toSorted((a, b) => b[1] - a[1])
    .map(([kind, times]) => `${kind} ×${times}`)
    .join(', ');
}

/** 503s are expected between the service going down and the first sign-in after it came back; no other 5xx is. */
function unexpectedServerErrors(phase: Phase): Map<string, number> {
  const unexpected = new Map<string, number>();
  const outage = phase.outage;
  for (const error of phase.serverErrors) {
    const inOutage = outage?.down !== undefined && error.at >= outage.down && error.at <= (outage.recovered ?? phase.ended);
    if (error.status !== 503) count(unexpected, error.kind);
    else if (!inOutage) count(unexpected, `${error.kind} ${outage ? 'after recovery' : 'without an outage'}`);
  }
  for (const [status, times] of phase.flood?.statuses ?? []) {
    if (Number(status) >= 500) count(unexpected, `flood ${status} /auth/fc/login`, times);
  }
  return unexpected;
}

function recovery(phase: Phase): string {
  const outage = phase.outage;
  if (!outage) return '—';
  if (outage.back === undefined) return 'not brought back';
  return outage.recovered === undefined ? `none in ${seconds(RECOVERY_LIMIT_MS)}` : seconds(outage.recovered - outage.back);
}

function completed(phase: Phase): number {
  return phase.completed.fc + phase.completed.fcp;
}

function memoryCell(phase: Phase): string {
  const now = phase.memory;
  if (!now) return '—';
  const before = phase.flood?.before;
  const change = (from: number | undefined, to: number) => (from === undefined ? size(to) : `${size(from)} → ${size(to)}`);
  const instances = now.rssCollected.map((rss, index) => `${'AB'[index]} ${change(before?.rssCollected[index], rss)}`).join(', ');
  const keys = before ? `${before.redisKeys} → ${now.redisKeys}` : `${now.redisKeys}`;
  return `RSS ${instances}; Redis ${change(before?.redisUsed, now.redisUsed)}, ${keys} keys`;
}

function describePhase(phase: Phase): string {
  const elapsed = (phase.ended - phase.began) / 1000;
  const done = completed(phase);
  const lines = [
    `${phase.id}. ${phase.title}: ${CONCURRENCY} browsers for ${elapsed.toFixed(1)} s`,
    `  completed sign-ins   ${done} (${(done / elapsed).toFixed(1)}/s; FranceConnect ${phase.completed.fc}, FranceConnect+ ${phase.completed.fcp})`,
    `  errors               ${listed(phase.errors)}`,
    `  lost sessions        ${phase.lost}${phase.wiped ? ` (and ${phase.wiped} signed in just before Redis restarted empty)` : ''}`,
  ];
  const outage = phase.outage;
  if (outage?.down !== undefined) {
    const back = outage.back === undefined ? 'never back' : `back ${seconds(outage.back - phase.began)}`;
    lines.push(`  ${outage.service.padEnd(20)} down at ${seconds(outage.down - phase.began)}, ${back}, recovery ${recovery(phase)}`);
    const lastError = phase.serverErrors.filter((error) => error.status === 503).at(-1);
    if (lastError && outage.back !== undefined) {
      const after = lastError.at - outage.back;
      lines.push(`  last 503             ${seconds(Math.abs(after))} ${after < 0 ? 'before' : 'after'} the service came back`);
    }
  }
  if (phase.earlier) {
    lines.push(`  earlier sessions     ${phase.earlier.kept} of ${phase.earlier.checked} still signed in${phase.earlier.answers.size ? ` (others: ${listed(phase.earlier.answers)})` : ''}`);
  }
  if (phase.accounts) {
    const { accounts, people, duplicates, withoutIdentity, duplicated } = phase.accounts;
    lines.push(`  accounts             ${accounts} for ${people} people: ${duplicates} duplicate, ${withoutIdentity} without an identity`);
    const since = outage?.back === undefined ? phase.began : outage.back;
    const sinceWhat = outage?.back === undefined ? 'the phase began' : `${outage.service} came back`;
    for (const person of duplicated) {
      const created = person.created.map((at, index) => `${person.platforms[index]} ${seconds(at - since)}`).join(', ');
      lines.push(`  duplicated person    accounts created (after ${sinceWhat}): ${created}; ${Math.round(person.created.at(-1)! - person.created[0]!)} ms apart`);
    }
  }
  const flooded = phase.flood;
  if (flooded && phase.memory) {
    const total = [...flooded.statuses.values()].reduce((sum, times) => sum + times, 0);
    lines.push(
      `  flood of ${total} sign-in starts in ${flooded.seconds.toFixed(1)} s (${(total / flooded.seconds).toFixed(0)}/s): ${listed(flooded.statuses)}`,
      `  sign-ins during it   ${flooded.signInsDuring} completed, ${flooded.errorsDuring} failed`,
    );
    const [before, after] = [flooded.before, phase.memory];
    if (flooded.quarterRss.length > 0) {
      lines.push(`  instance A RSS       at a quarter, half, three quarters of the flood: ${flooded.quarterRss.map(size).join(', ')}`);
    }
    for (const [index, instance] of ['A', 'B'].entries()) {
      lines.push(
        `  instance ${instance}${instance === 'A' ? ' (flooded)' : ' (not)    '} RSS ${size(before.rss[index]!)} → ${size(after.rss[index]!)} as it was (peak ${size(flooded.peakRss[index]!)}), ` +
          `after full GC ${size(before.rssCollected[index]!)} → ${size(after.rssCollected[index]!)}; after full GC, V8 heap in use ${size(before.heap[index]!)} → ${size(after.heap[index]!)}, ` +
          `reserved ${size(before.heapTotal[index]!)} → ${size(after.heapTotal[index]!)}, outside it ${size(before.external[index]!)} → ${size(after.external[index]!)}`,
      );
    }
    const mappings = (figures: MemoryFigures) => {
      const { brk, anonymous, files } = figures.split[0]!;
      return `${size(brk)} / ${size(anonymous)} / ${size(files)}`;
    };
    lines.push(`  instance A mappings  resident after full GC, C heap (brk) / anonymous / files: ${mappings(before)} → ${mappings(after)}`);
    const kinds = (figures: MemoryFigures) => Object.values(figures.redisKinds).join('/');
    lines.push(
      `  Redis                used_memory ${size(before.redisUsed)} → ${size(after.redisUsed)}, DBSIZE ${before.redisKeys} → ${after.redisKeys} ` +
        `(sessions/sign-in transactions/per-client counts/other ${kinds(before)} → ${kinds(after)})`,
    );
  }
  if (phase.memory && !flooded) {
    const asItWas = phase.memory.rss.map((rss, index) => `${'AB'[index]} ${size(rss)}`).join(', ');
    lines.push(`  memory at the end    RSS as it was ${asItWas}; after full GC: ${memoryCell(phase)}`);
  }
  if (phase.instancesGone.length) lines.push(`  instances gone       ${phase.instancesGone.join(', ')}`);
  return lines.join('\n');
}

function targetLines(phases: readonly Phase[]): string[] {
  const verdict = (met: boolean, detail: string) => `${met ? 'met' : 'not met'}${detail ? ` (${detail})` : ''}`;

  const unexpected = phases.flatMap((phase) => [...unexpectedServerErrors(phase)].map(([kind, times]) => `${phase.id}: ${kind} ×${times}`));
  const noAnswer = phases.flatMap((phase) => [...phase.errors].filter(([kind]) => kind.startsWith('no answer')).map(([kind, times]) => `${phase.id}: ${kind} ×${times}`));
  const serverItem = verdict(unexpected.length === 0 && noAnswer.length === 0, [...unexpected, ...noAnswer].join('; '));

  const outages = phases.filter((phase) => phase.outage);
  const notRecovered = outages.filter((phase) => phase.outage!.recovered === undefined).map((phase) => `${phase.id}: ${recovery(phase)}`);
  const gone = phases.flatMap((phase) => phase.instancesGone.map((instance) => `${phase.id}: instance ${instance} gone`));
  const recoveries = outages.map((phase) => `${phase.id} ${recovery(phase)}`).join(', ');
  const recoveryItem = verdict(notRecovered.length === 0 && gone.length === 0, [recoveries, ...notRecovered, ...gone].join('; '));

  const losses: string[] = [];
  for (const phase of phases) {
    if (phase.lost) losses.push(`${phase.id}: ${plural(phase.lost, 'session')} lost`);
    if (phase.accounts?.duplicates) losses.push(`${phase.id}: ${plural(phase.accounts.duplicates, 'duplicate account')}`);
    if (phase.accounts?.withoutIdentity) losses.push(`${phase.id}: ${plural(phase.accounts.withoutIdentity, 'account')} without an identity`);
    // Sessions Redis held are gone with it when it restarts empty: its configuration, not the application.
    const earlier = phase.earlier;
    if (earlier && earlier.kept < earlier.checked && !phase.outage?.wipesSessions) {
      losses.push(`${phase.id}: ${earlier.checked - earlier.kept} of ${earlier.checked} earlier sessions gone`);
    }
  }
  const wiped = phases.filter((phase) => phase.outage?.wipesSessions);
  const wipedNote = wiped.map((phase) => `${phase.id}: Redis restarted empty, ${phase.earlier ? `${phase.earlier.checked - phase.earlier.kept} earlier sessions and ` : ''}${phase.wiped} just signed in went with it, not counted`);
  const lossItem = verdict(losses.length === 0, [...losses, ...wipedNote].join('; '));

  const flooded = phases.find((phase) => phase.flood);
  let memoryItem = 'not measured';
  if (flooded?.flood && flooded.memory) {
    const [before, after] = [flooded.flood.before, flooded.memory];
    const growth = (values: (memory: MemoryFigures) => readonly number[], index: number) => values(after)[index]! - values(before)[index]!;
    // Both instances serve the browsers alike; only A receives the flood: B's growth is the browsers' part.
    const instance = (values: (memory: MemoryFigures) => readonly number[]) => (growth(values, 0) - growth(values, 1)) / FLOOD;
    // The browsers' new sessions are theirs too: what Redis holds besides them.
    const sessions = (after.redisKinds.sessions - before.redisKinds.sessions) * after.redisSessionBytes;
    const figures = [
      ['RSS after full GC', instance((memory) => memory.rssCollected)],
      ['V8 heap', instance((memory) => memory.heap)],
      ['Redis', (after.redisUsed - before.redisUsed - sessions) / FLOOD],
    ] as const;
    const grew = figures.filter(([, bytes]) => !(bytes < FLAT_BYTES_PER_REQUEST));
    memoryItem = verdict(
      grew.length === 0,
      `bytes kept per flood request beyond what the browsers added, limit ${FLAT_BYTES_PER_REQUEST}: ` +
        figures.map(([name, bytes]) => `${name} ${Number.isFinite(bytes) ? bytes.toFixed(0) : 'gone'}`).join(', '),
    );
  }
  return [
    'target: no 5xx but 503 during an outage, recovery without restart, nothing lost or duplicated, memory flat under the flood',
    `  no 5xx but 503 during an outage   ${serverItem}`,
    `  recovery without restart          ${recoveryItem}`,
    `  nothing lost or duplicated        ${lossItem}`,
    `  memory flat under the flood       ${memoryItem}`,
  ];
}

function table(phases: readonly Phase[]): string {
  const rows = phases.map((phase) => {
    const accounts = phase.accounts;
    const duplicates = accounts
      ? `${accounts.duplicates} (${accounts.accounts} accounts, ${accounts.people} people${accounts.withoutIdentity ? `, ${accounts.withoutIdentity} without an identity` : ''})`
      : '—';
    const earlier = phase.earlier ? `${phase.earlier.kept} of ${phase.earlier.checked}` : '—';
    const lost = `${phase.lost}${phase.wiped ? ` (+${phase.wiped} wiped with Redis)` : ''}`;
    return `| ${phase.id}. ${phase.title} | ${completed(phase)} | ${listed(phase.errors)} | ${lost} | ${earlier} | ${duplicates} | ${recovery(phase)} | ${memoryCell(phase)} |`;
  });
  return [
    '| phase | sign-ins completed | errors by kind | sessions lost | earlier sessions kept | duplicate accounts | recovery | memory at the end (RSS after full GC; Redis) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Checks the sessions of the previous phase, each on the instance it did not start on. */
async function checkEarlierSessions(phase: Phase, previous: Phase, stack: ReliabilityStack): Promise<void> {
  const answers = new Map<string, number>();
  let kept = 0;
  await Promise.all(
    [...previous.signedIn].map(async ([worker, { browser, platform }]) => {
      const instance = stack.instances[worker % 2]!.url;
      try {
        const me = await browser.agent.request(`${instance}/me`, { headers: { ...browser.headers, accept: 'application/json' } });
        if (me.status === 200 && (JSON.parse(me.body) as { provider?: string }).provider === platform) kept++;
        else count(answers, `${me.status} /me`);
      } catch {
        count(answers, 'no answer /me');
      }
    }),
  );
  phase.earlier = { kept, checked: previous.signedIn.size, answers };
}

/** After a phase: accounts, earlier sessions, memory, instances; then a clean slate of accounts. */
async function closePhase(phase: Phase, previous: Phase | undefined, stack: ReliabilityStack): Promise<void> {
  phase.accounts = await accountFigures(stack.postgres.url);
  if (previous) await checkEarlierSessions(phase, previous, stack);
  phase.memory = await memoryFigures(stack);
  for (const [index, instance] of stack.instances.entries()) {
    if (!isRunning(instance.process.pid)) phase.instancesGone.push('AB'[index]!);
  }
  await forgetAccounts(stack.postgres.url);
  console.log(describePhase(phase));
}

async function run(): Promise<void> {
  console.log(`reliability: ${CONCURRENCY} browsers, ${SECONDS} s phases, flood of ${FLOOD}; ${await loadConditions()}`);
  const stack = await startReliabilityStack();
  const phases: Phase[] = [];
  try {
    const [a] = stack.instances;
    const phaseSeconds = SECONDS * 1000;

    const baseline = newPhase('0', 'baseline', Date.now() + phaseSeconds);
    phases.push(baseline);
    await runPhase(baseline, stack, async () => undefined);
    await closePhase(baseline, undefined, stack);

    const redis = newPhase('a', 'Redis restarted', Number.POSITIVE_INFINITY, { service: 'Redis', wipesSessions: true });
    phases.push(redis);
    await runPhase(redis, stack, (phase) => takeDown(phase, sleep(phaseSeconds / 4), stack.redis.stop, stack.redis.start));
    await closePhase(redis, baseline, stack);

    const postgres = newPhase('b', 'PostgreSQL restarted during linking', Number.POSITIVE_INFINITY, { service: 'PostgreSQL', wipesSessions: false });
    phases.push(postgres);
    // Accounts were cleared after the previous phase: the first callbacks are first sign-ins, being linked.
    await runPhase(postgres, stack, (phase) => takeDown(phase, firstCallback(phase), stack.postgres.stop, stack.postgres.start));
    await closePhase(postgres, redis, stack);

    const platform = newPhase('c', 'FranceConnect+ down then back', Number.POSITIVE_INFINITY, {
      service: 'FranceConnect+',
      recoversWith: 'fcp',
      wipesSessions: false,
    });
    phases.push(platform);
    await runPhase(platform, stack, (phase) => takeDown(phase, sleep(phaseSeconds / 4), stack.platforms.fcp.stop, stack.platforms.fcp.start));
    await closePhase(platform, postgres, stack);

    const before = await memoryFigures(stack);
    const flooded = newPhase('d', `flood of ${FLOOD} sign-in starts`, Number.POSITIVE_INFINITY);
    phases.push(flooded);
    await runPhase(flooded, stack, async (phase) => {
      const peakRss = stack.instances.map(() => 0);
      const quarterRss: number[] = [];
      const progress = { sent: 0 };
      const sample = () => {
        const quarter = Math.floor((4 * progress.sent) / FLOOD);
        for (const [index, instance] of stack.instances.entries()) {
          void residentBytes(instance.process.pid).then((bytes) => {
            if (bytes > peakRss[index]!) peakRss[index] = bytes;
            // The first sample past each quarter: does the flooded instance keep growing, or level off?
            if (index === 0 && quarter >= 1 && quarter <= 3 && quarterRss.length < quarter) quarterRss.push(bytes);
          });
        }
      };
      sample();
      const sampler = setInterval(sample, 500);
      try {
        const result = await flood(`${a.url}/auth/fc/login`, FLOOD, progress);
        const errorsDuring = [...phase.errors.values()].reduce((sum, times) => sum + times, 0) + phase.lost;
        phase.flood = { ...result, before, peakRss, quarterRss, signInsDuring: completed(phase), errorsDuring };
      } finally {
        clearInterval(sampler);
        phase.deadline = Math.max(phase.began + phaseSeconds, Date.now());
      }
    });
    await closePhase(flooded, platform, stack);
  } finally {
    await stack.stop();
  }

  console.log(['', table(phases), '', ...targetLines(phases)].join('\n'));
}

describe('reliability', () => {
  bench('outages and a flood across two instances', run, RUN_ONCE);
});
