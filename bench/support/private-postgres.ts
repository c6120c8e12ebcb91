/**
 * A private PostgreSQL cluster in a temporary directory, on a free loopback port, so that a benchmark can
 * stop and restart it (an outage) without touching the machine's shared server, which other tests use.
 * Built from the machine's PostgreSQL binaries (`/usr/lib/postgresql/<version>/bin`); trust
 * authentication, user and database `postgres`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from '../../test/support/ports.js';

const run = promisify(execFile);

/** A running private PostgreSQL cluster. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server at once, as a crash does (`pg_ctl stop -m immediate`): clients are cut off. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data (after crash recovery). */
  start(): Promise<void>;
  /** Stops the server and removes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

/** The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`. */
async function binaries(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? await readdir(root) : [];
  const found = versions
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .toSorted((a, b) => Number(b) - Number(a));
  if (found.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}: install the postgresql package`);
  return join(root, found[0]!, 'bin');
}

/**
 * Starts a private cluster (initdb, then pg_ctl start). As root, the server's programs run as the
 * `postgres` user, since initdb and postgres refuse to run as root.
 *
 * @throws {Error} with the tool's output when the cluster cannot be created or started.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = await binaries();
  const [port] = await freePorts(1);
  const directory = await mkdtemp(join(tmpdir(), 'fc-pg-'));
  const data = join(directory, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(directory, uid, gid);
  }
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const tool = async (name: string, args: string[]): Promise<void> => {
    const [file, argv] = command(name, args);
    try {
      await run(file, argv, { cwd: directory, timeout: 60_000 });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`${name} ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
    }
  };
  // The socket in the cluster's own directory, not /var/run/postgresql: nothing shared with the machine's server.
  const serverOptions = `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1`;
  const stopArgs = ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop'];
  let running = false;
  let destroyed = false;

  // A run that ends without destroy() (an exception past the caller's cleanup) still stops the server:
  // pg_ctl detaches it from this process, so nothing else would.
  const onExit = (): void => {
    if (destroyed) return;
    const [file, argv] = command('pg_ctl', stopArgs);
    try {
      if (running) execFileSync(file, argv, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Already stopped.
    }
    rmSync(directory, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const start = async (): Promise<void> => {
    await tool('pg_ctl', ['-D', data, '-l', join(directory, 'server.log'), '-o', serverOptions, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await tool('pg_ctl', stopArgs);
    running = false;
  };
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    try {
      await stop();
    } finally {
      destroyed = true;
      process.removeListener('exit', onExit);
      await rm(directory, { recursive: true, force: true });
    }
  };

  try {
    await tool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await start();
  } catch (error) {
    await destroy().catch(() => undefined);
    throw error;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop, start, destroy };
}
