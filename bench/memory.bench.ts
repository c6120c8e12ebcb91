/**
 * Memory of the sample app's process: resident memory after 10,000 signed-in sessions in the memory
 * session store, and the memory of one sign-in transaction in the memory transaction store.
 *
 *   npx vitest bench --run bench/memory.bench.ts
 *
 * Environment: BENCH_SESSIONS (default 10000) sessions in the store; BENCH_REAL_SIGN_INS (default 500)
 * of them come from real sign-ins through the emulator, 8 at a time, the others are copies of those
 * (set BENCH_REAL_SIGN_INS=BENCH_SESSIONS for real sign-ins only: about ten minutes on 2 cores);
 * BENCH_TRANSACTIONS (default 10000) sign-ins started and never finished.
 *
 * Method. The app runs in its own process with `--expose-gc`, its module inside the benchmark module of
 * bench/processes/app.process.ts with express-session's memory store (the default) given explicitly so
 * it can be counted; every figure is read in that process after two full collections. Sessions: after a
 * warm-up of 20 sign-ins, the real sign-ins (new browsers), then the store is filled up to BENCH_SESSIONS
 * with copies of the signed-in sessions, each under a new id (the same JSON, a new string, as the store
 * keeps them). Transactions: one browser (one session) starts BENCH_TRANSACTIONS sign-ins: each start
 * keeps one transaction (state, nonce, level, return path, browser binding) in the memory
 * transaction store until its callback or its expiry.
 */
import { bench, describe } from 'vitest';
import { HttpAgent } from '../libs/franceconnect/src/testing/http-agent.js';
import { compileProcesses } from './support/processes.js';
import { signInThrough, startBenchStack } from './support/stack.js';
import { envInt, loadConditions, mib, RUN_ONCE } from './support/stats.js';

const SESSIONS = envInt('BENCH_SESSIONS', 10_000);
const REAL = Math.min(SESSIONS, envInt('BENCH_REAL_SIGN_INS', 500));
const TRANSACTIONS = envInt('BENCH_TRANSACTIONS', 10_000);
const PARALLEL = 8;

function line(label: string, memory: NodeJS.MemoryUsage, extra = ''): string {
  return (
    `  ${label.padEnd(46)}rss ${mib(memory.rss).padStart(10)}   heap used ${mib(memory.heapUsed).padStart(10)}` +
    `   heap total ${mib(memory.heapTotal).padStart(10)}   external ${mib(memory.external).padStart(8)}${extra}`
  );
}

async function inParallel(count: number, task: () => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < count) {
        next += 1;
        await task();
      }
    }),
  );
}

async function run(): Promise<void> {
  compileProcesses();
  const stack = await startBenchStack({ appMode: 'twin' });
  try {
    const login = `${stack.appUrl}/auth/fcp/login`;
    for (let index = 0; index < 20; index++) await signInThrough(login);
    const base = await stack.app.memory();
    const baseSessions = await stack.app.call<number>('sessions');

    await inParallel(REAL, () => signInThrough(login));
    const real = await stack.app.memory();
    const realSessions = await stack.app.call<number>('sessions');

    const filled = await stack.app.call<number>('fillSessions', SESSIONS);
    const full = await stack.app.memory();
    const sessionBytes = await stack.app.call<number>('sessionBytes');

    const browser = new HttpAgent();
    const transactionsBefore = await stack.app.call<number>('transactions');
    const start = async () => {
      const answer = await browser.get(login);
      if (answer.status !== 303) throw new Error(`${login} answered ${answer.status}`);
    };
    // The first start gives the browser its session cookie; the others run 8 at a time in that session.
    await start();
    await inParallel(TRANSACTIONS - 1, start);
    const withTransactions = await stack.app.memory();
    const transactions = (await stack.app.call<number>('transactions')) - transactionsBefore;

    const perReal = (real.heapUsed - base.heapUsed) / (realSessions - baseSessions);
    const perCopy = (full.heapUsed - real.heapUsed) / (filled - realSessions);
    const perTransaction = (withTransactions.heapUsed - full.heapUsed) / transactions;
    console.log(
      [
        '',
        `memory of the sample app's process, after two full collections (${await loadConditions()}):`,
        line(`after start-up and 20 sign-ins (${baseSessions} sessions)`, base),
        line(`after ${REAL} more real sign-ins (${realSessions} sessions)`, real, `   -> ${(perReal / 1024).toFixed(2)} KiB heap per sign-in`),
        line(`after filling the store to ${filled} sessions`, full, `   -> ${(perCopy / 1024).toFixed(2)} KiB heap per session`),
        line(`after ${transactions} sign-ins started, not finished`, withTransactions, `   -> ${(perTransaction / 1024).toFixed(2)} KiB heap per transaction`),
        `  a signed-in session as the memory store keeps it: ${sessionBytes.toFixed(0)} characters of JSON`,
        `  resident memory with ${filled} sessions: ${mib(full.rss)} (${mib(full.rss - base.rss)} above the ${baseSessions}-session start)`,
        '  (heap used is what the objects hold after collection; rss also counts the heap V8 and the allocator keep reserved',
        '  after a burst of requests, which the heap total column shows for V8)',
      ].join('\n'),
    );
  } finally {
    await stack.stop();
  }
}

describe('memory', () => {
  bench('sessions and sign-in transactions in the memory stores (figures printed above)', run, RUN_ONCE);
});
