/**
 * Requests the sample app sends to the platforms: per sign-in, per guarded request, and once per
 * process, counted from the emulator's request log.
 *
 *   npx vitest bench --run bench/network-calls.bench.ts
 *
 * Environment: BENCH_SIGN_INS (default 200) FranceConnect+ sign-ins, a quarter as many FranceConnect
 * sign-ins, then BENCH_GUARDED (default 1000) requests to each guarded route.
 *
 * Method. The emulator and the sample app run in their own processes (the app as `createDemoApp()`
 * builds it); the emulator counts every request it receives from its request log, from its start, so
 * the app's start-up discovery is counted too. The benchmark plays the browsers. The back-channel
 * requests (discovery, JWKS, token, userinfo, revocation) are the app's; the others are the browsers'
 * (authorization, login page and form), shown apart. Targets: exactly one token and one userinfo request
 * per sign-in, none per guarded request, discovery and JWKS once per platform and process.
 */
import { bench, describe } from 'vitest';
import { HttpAgent } from '../libs/franceconnect/src/testing/http-agent.js';
import { compileProcesses } from './support/processes.js';
import { signInThrough, startBenchStack } from './support/stack.js';
import { envInt, loadConditions, RUN_ONCE } from './support/stats.js';

const SIGN_INS = envInt('BENCH_SIGN_INS', 200);
const FC_SIGN_INS = Math.max(1, Math.floor(SIGN_INS / 4));
const GUARDED = envInt('BENCH_GUARDED', 1000);

const BACK_CHANNEL = /\/(token|userinfo|jwks|\.well-known\/openid-configuration|token\/revocation)$/;

type Counts = Record<string, number>;

function difference(after: Counts, before: Counts): Counts {
  return Object.fromEntries(
    Object.entries(after)
      .map(([key, count]) => [key, count - (before[key] ?? 0)] as const)
      .filter(([, count]) => count !== 0),
  );
}

function describeCounts(counts: Counts, per: number, unit: string): string[] {
  const back = Object.entries(counts).filter(([key]) => BACK_CHANNEL.test(key));
  const front = Object.entries(counts).filter(([key]) => !BACK_CHANNEL.test(key));
  const lines = back.map(([key, count]) => `    ${key.padEnd(52)}${String(count).padStart(7)}   ${(count / per).toFixed(3)} ${unit}`);
  if (back.length === 0) lines.push('    none');
  const browser = front.reduce((sum, [, count]) => sum + count, 0);
  if (browser > 0) lines.push(`    (and ${browser} requests of the browsers to the platforms' pages, not the app's)`);
  return lines;
}

async function run(): Promise<void> {
  compileProcesses();
  const stack = await startBenchStack();
  try {
    // The app discovers both platforms in the background at start-up; /health waits for that discovery.
    const health = await fetch(`${stack.appUrl}/health`);
    if (health.status !== 200) throw new Error(`/health answered ${health.status}: ${await health.text()}`);
    const atStart = await stack.emulator.call<Counts>('requests');
    let browser: HttpAgent | undefined;
    for (let index = 0; index < SIGN_INS; index++) browser = await signInThrough(`${stack.appUrl}/auth/fcp/login`);
    const afterFcp = await stack.emulator.call<Counts>('requests');
    for (let index = 0; index < FC_SIGN_INS; index++) await signInThrough(`${stack.appUrl}/auth/fc/login`, 'eidas1');
    const afterFc = await stack.emulator.call<Counts>('requests');

    const cookie = browser!.jar.header(new URL(stack.appUrl)) ?? '';
    for (const path of ['/protected/eidas2', '/me']) {
      for (let index = 0; index < GUARDED; index++) {
        const answer = await fetch(`${stack.appUrl}${path}`, { headers: { cookie, accept: 'application/json' } });
        await answer.arrayBuffer();
        if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}`);
      }
    }
    const afterGuarded = await stack.emulator.call<Counts>('requests');

    const lines = [
      '',
      `requests to the platforms (${await loadConditions()}):`,
      `  at start-up, before any sign-in (discovery, in the background; /health waits for it):`,
      ...describeCounts(atStart, 1, 'per process'),
      `  ${SIGN_INS} FranceConnect+ sign-ins:`,
      ...describeCounts(difference(afterFcp, atStart), SIGN_INS, 'per sign-in'),
      `  ${FC_SIGN_INS} FranceConnect sign-ins:`,
      ...describeCounts(difference(afterFc, afterFcp), FC_SIGN_INS, 'per sign-in'),
      `  ${2 * GUARDED} guarded requests (${GUARDED} to /protected/eidas2, ${GUARDED} to /me):`,
      ...describeCounts(difference(afterGuarded, afterFc), 2 * GUARDED, 'per request'),
      `  whole run, per platform and process:`,
      ...describeCounts(
        Object.fromEntries(Object.entries(afterGuarded).filter(([key]) => /(configuration|jwks)$/.test(key))),
        1,
        'per process',
      ),
      'targets: token 1 and userinfo 1 per sign-in, 0 per guarded request, discovery and JWKS 1 per platform and process',
    ];
    console.log(lines.join('\n'));
  } finally {
    await stack.stop();
  }
}

describe('requests to the platforms', () => {
  bench('per sign-in, per guarded request and per process (figures printed above)', run, RUN_ONCE);
});
