/**
 * The parent side of the benchmark processes: compiles them once with `tsc` (as production runs the
 * library: compiled JavaScript, decorator metadata included), starts them with `fork()`, and talks to
 * them over IPC (see `bench/processes/ipc.ts`).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where `bench/tsconfig.json` compiles the library, the apps and the benchmark processes. */
export const COMPILED = join(ROOT, 'node_modules', '.cache', 'nest-franceconnect-bench');

let compiled = false;

/**
 * Compiles the benchmark processes (incrementally: a second run only recompiles what changed).
 *
 * @throws {Error} with the compiler's output when the code does not compile.
 */
export function compileProcesses(): void {
  if (compiled) return;
  const started = performance.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'bench', 'tsconfig.json')], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`bench/tsconfig.json does not compile:\n${output}`, { cause: error });
  }
  // Under node_modules, Node would not find the workspace's package.json: say that these files are ESM.
  mkdirSync(COMPILED, { recursive: true });
  if (!existsSync(join(COMPILED, 'package.json'))) writeFileSync(join(COMPILED, 'package.json'), '{ "type": "module" }\n');
  compiled = true;
  console.log(`compiled the benchmark processes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// Below the OS's ephemeral range, so that nothing takes them between the check and the child's listen.
export { freePorts } from '../../test/support/ports.js';

/** Options of {@link BenchProcess.start}. */
export interface StartProcessOptions {
  /** Extra Node options, such as `--cpu-prof`. `--expose-gc` is always given. */
  readonly execArgv?: readonly string[];
}

interface Reply {
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: string;
  readonly ready?: unknown;
  readonly failed?: string;
  readonly log?: string;
}

/** One benchmark process. */
export class BenchProcess<Ready = unknown> {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #exited = false;

  private constructor(
    readonly name: string,
    child: ChildProcess,
    readonly ready: Ready,
  ) {
    this.#child = child;
  }

  /**
   * Starts `bench/processes/<file>.js` (compiled) with `config`, and waits until it is ready.
   *
   * @throws {Error} with the process's error output when it fails to start.
   */
  static start<Ready>(file: string, config: unknown, options: StartProcessOptions = {}): Promise<BenchProcess<Ready>> {
    compileProcesses();
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_CHILD_CONFIG: JSON.stringify(config) };
    // The processes run as `npm run demo` does, not as a test: no vitest variables, no NODE_ENV=test.
    for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'NODE_ENV' || name === 'TEST') delete env[name];
    const child = fork(join(COMPILED, 'bench', 'processes', `${file}.js`), [], {
      cwd: ROOT,
      env,
      execArgv: ['--expose-gc', ...(options.execArgv ?? [])],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    // The last lines of the process's error output, shown if it dies.
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr.push(chunk.toString());
      if (stderr.length > 50) stderr.shift();
    });
    return new Promise((resolve, reject) => {
      let instance: BenchProcess<Ready> | undefined;
      child.on('message', (message: Reply) => {
        if (message.failed !== undefined) {
          reject(new Error(`${file} failed to start:\n${message.failed}\n${stderr.join('')}`));
        } else if (message.log !== undefined) {
          console.log(`[${file}] ${message.log}`);
        } else if (message.id === undefined) {
          instance = new BenchProcess<Ready>(file, child, message.ready as Ready);
          resolve(instance);
        } else if (instance) {
          instance.#settle(message);
        }
      });
      child.on('exit', (code, signal) => {
        const reason = new Error(`${file} exited (${signal ?? code}):\n${stderr.join('')}`);
        if (!instance) reject(reason);
        else instance.#fail(reason);
      });
    });
  }

  /** Process id, for `/proc/<pid>/…` or a profiler. */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Sends a command and waits for its answer. */
  call<T>(command: string, argument?: unknown): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ id, command, argument });
    });
  }

  /** CPU time of the process so far (user + system), in microseconds. */
  cpu(): Promise<number> {
    return this.call<number>('cpu');
  }

  /** Memory of the process after two full garbage collections. */
  memory(): Promise<NodeJS.MemoryUsage> {
    return this.call<NodeJS.MemoryUsage>('memory');
  }

  /** Stops the process (it closes its servers first) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.call('stop').catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (!this.#exited) this.#child.kill('SIGKILL');
  }

  #settle(message: Reply): void {
    const pending = this.#pending.get(message.id ?? -1);
    if (!pending) return;
    this.#pending.delete(message.id ?? -1);
    if (message.error !== undefined) pending.reject(new Error(`${this.name}: ${message.error}`));
    else pending.resolve(message.result);
  }

  #fail(reason: Error): void {
    this.#exited = true;
    for (const pending of this.#pending.values()) pending.reject(reason);
    this.#pending.clear();
  }
}
