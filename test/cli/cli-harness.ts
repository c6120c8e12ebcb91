/**
 * Runs the `franceconnect` command line in-process with captured output, or as a child process of its
 * compiled entry point.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { run } from '../../libs/franceconnect/src/cli/cli.js';
import type { CliIo } from '../../libs/franceconnect/src/cli/cli-io.js';

/** What a command printed, and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `franceconnect <argv>` in this process. `io` replaces parts of the environment (default: an empty env). */
export async function runCli(argv: readonly string[], io: Partial<CliIo> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    env: {},
    ...io,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = join(REPOSITORY, 'libs/franceconnect/src/cli/main.ts');

/**
 * Compiles the command line's entry point and the modules it imports, with the project's compiler
 * options, into a directory under `node_modules/.cache` (so that packages resolve as from `dist/`) as ES modules, as
 * the build emits them for this `"type": "module"` package, and
 * returns the path of the compiled `main.js`. Transpiles only: the type check is `npm run typecheck`'s.
 */
export async function compileCli(): Promise<string> {
  const { config } = ts.readConfigFile(join(REPOSITORY, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.convertCompilerOptionsFromJson((config as { compilerOptions: unknown }).compilerOptions, REPOSITORY);
  await mkdir(join(REPOSITORY, 'node_modules/.cache'), { recursive: true });
  const outDir = await mkdtemp(join(REPOSITORY, 'node_modules/.cache/franceconnect-cli-'));
  const pending = [ENTRY];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const source = pending.pop() as string;
    if (seen.has(source)) continue;
    seen.add(source);
    const text = await readFile(source, 'utf8');
    const { outputText } = ts.transpileModule(text, { compilerOptions: { ...options, module: ts.ModuleKind.ESNext, sourceMap: false, declaration: false }, fileName: source });
    const target = join(outDir, relative(REPOSITORY, source)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
    for (const [, specifier] of text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      pending.push(resolve(dirname(source), `${specifier}.ts`));
    }
  }
  return join(outDir, relative(REPOSITORY, ENTRY)).replace(/\.ts$/, '.js');
}

/** Runs a compiled entry point with `node`, in `cwd`, with `env` added to a minimal environment. */
export function runCompiledCli(mainJs: string, argv: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [mainJs, ...argv], {
      cwd: options.cwd,
      env: { PATH: process.env['PATH'] ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}
