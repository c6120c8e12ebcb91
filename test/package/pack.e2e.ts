/**
 * The npm package, as a service would receive it: `scripts/pack.mjs` builds and packs it, then the tarball
 * is checked (what it holds, what it leaves out, its package.json), installed into a temporary application
 * without the network, and used there: the main entry loads with the declared packages only, the bin runs,
 * and an application written against the two public entries compiles with strict settings and signs a
 * person in through the emulator shipped in the package.
 *
 * "Installed" means: the tarball extracted into node_modules/nest-franceconnect, and each package the
 * package.json declares linked from the workspace's node_modules, so an undeclared import fails here as it
 * would after `npm install`.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const MAIN = 'libs/franceconnect/src/index';
const TESTING = 'libs/franceconnect/src/testing/index';
const BIN = 'libs/franceconnect/src/cli/main.js';

interface Manifest {
  name: string;
  version: string;
  type?: string;
  private?: boolean;
  main?: string;
  types?: string;
  exports: Record<string, unknown>;
  bin: Record<string, string>;
  engines: Record<string, string>;
  sideEffects?: boolean | string[];
  license?: string;
  files?: string[];
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 90_000, maxBuffer: 32 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** `openid-client/passport` → `openid-client`, `@nestjs/common` → `@nestjs/common`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

/** The module specifiers a compiled file imports (static, dynamic and `import("…")` types), comments left out. */
function importedSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const pattern =
    /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

function listFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

describe('the npm package', () => {
  let workDir: string;
  let tarball: string;
  let entries: string[];
  let manifest: Manifest;
  let rootManifest: Manifest;
  let appDir: string;
  let installed: string;

  /** Links a workspace package into the temporary application's node_modules. */
  const link = (name: string): void => {
    const target = join(appDir, 'node_modules', name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
  };

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'fc-package-'));
    const packed = run(process.execPath, [join(ROOT, 'scripts/pack.mjs'), '--out-dir', join(workDir, 'build')], { cwd: ROOT });
    if (packed.status !== 0) throw new Error(`scripts/pack.mjs failed (exit ${packed.status}):\n${packed.stderr}`);
    tarball = packed.stdout.trim().split('\n').at(-1)!;

    const listing = run('tar', ['-tzf', tarball]);
    expect(listing.status).toBe(0);
    // npm puts every file under package/.
    entries = listing.stdout.trim().split('\n').map((entry) => entry.replace(/^package\//, ''));

    rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
    appDir = join(workDir, 'app');
    installed = join(appDir, 'node_modules/nest-franceconnect');
    mkdirSync(installed, { recursive: true });
    expect(run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']).status).toBe(0);
    manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest;
    writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ name: 'packaged-service', private: true, type: 'module' })}\n`);
  }, 180_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('holds both entry points with their declarations, the bin, the emulator and the documents', () => {
    for (const entry of [MAIN, TESTING]) {
      expect(entries).toContain(`${entry}.js`);
      expect(entries).toContain(`${entry}.d.ts`);
      expect(entries).toContain(`${entry}.js.map`);
    }
    expect(entries).toContain(BIN);
    for (const file of ['index', 'emulator', 'provider', 'interactions', 'identities', 'main']) {
      expect(entries).toContain(`apps/fc-emulator/src/${file}.js`);
      expect(entries).toContain(`apps/fc-emulator/src/${file}.d.ts`);
    }
    for (const document of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md', 'docs/keys.md']) {
      expect(entries).toContain(document);
    }
    // The identity migration ships: IDENTITY_MIGRATIONS points at it.
    expect(entries.some((entry) => /^libs\/franceconnect\/src\/identity\/migrations\/\d+-CreateIdentityTables\.js$/.test(entry))).toBe(true);

    const bin = readFileSync(join(installed, BIN), 'utf8');
    expect(bin.split('\n')[0]).toBe('#!/usr/bin/env node');
    // Every source map carries its sources: the .ts files are not shipped.
    const map = JSON.parse(readFileSync(join(installed, `${MAIN}.js.map`), 'utf8')) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toContain('export { FranceConnectPlusModule }');
  });

  it('leaves out specs, tests, the sample app, benchmarks and TypeScript sources', () => {
    expect(entries.filter((entry) => /\.(spec|test|e2e|bench)\./.test(entry))).toEqual([]);
    expect(entries.filter((entry) => /^(test|bench|apps\/demo|dist|build|node_modules|scripts)\//.test(entry))).toEqual([]);
    expect(entries.filter((entry) => entry.endsWith('.ts') && !entry.endsWith('.d.ts'))).toEqual([]);
    expect(entries.filter((entry) => /tsbuildinfo|tsconfig|\.env$|sp-keys/.test(entry))).toEqual([]);
    // Compiled code lives only under the two source trees.
    const outside = entries.filter((entry) => entry.endsWith('.js') && !/^(libs\/franceconnect|apps\/fc-emulator)\/src\//.test(entry));
    expect(outside).toEqual([]);
  });

  it('has a package.json for an ES module package with both entries, the bin and the root versions', () => {
    expect(manifest).toMatchObject({
      name: 'nest-franceconnect',
      version: rootManifest.version,
      type: 'module',
      license: 'MIT',
      engines: { node: rootManifest.engines.node },
      bin: { franceconnect: BIN },
    });
    expect(manifest.exports).toEqual({
      '.': { types: `./${MAIN}.d.ts`, import: `./${MAIN}.js`, default: `./${MAIN}.js` },
      './testing': { types: `./${TESTING}.d.ts`, import: `./${TESTING}.js`, default: `./${TESTING}.js` },
      './package.json': './package.json',
    });
    expect(manifest.main).toBe(`./${MAIN}.js`);
    expect(manifest.types).toBe(`./${MAIN}.d.ts`);
    expect(manifest.private).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest).not.toHaveProperty('//');

    // Every range is the one the workspace installs and tests with.
    const rootRanges = { ...rootManifest.devDependencies, ...rootManifest.dependencies };
    for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      expect(range, name).toBe(rootRanges[name]);
    }
    expect(manifest.dependencies).toMatchObject({ 'openid-client': expect.any(String), jose: expect.any(String), 'express-session': expect.any(String) });
    expect(Object.keys(manifest.peerDependencies)).toEqual(expect.arrayContaining(['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs', 'typeorm', 'oidc-provider']));
    expect(manifest.peerDependenciesMeta).toEqual({ 'oidc-provider': { optional: true }, '@types/oidc-provider': { optional: true } });
  });

  it('declares every package its compiled code and declarations import', () => {
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const undeclared = new Set<string>();
    const imported = new Set<string>();
    for (const file of listFiles(installed).filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'))) {
      for (const specifier of importedSpecifiers(readFileSync(join(installed, file), 'utf8'))) {
        if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
        const name = packageName(specifier);
        imported.add(name);
        // Declarations may be satisfied by a DefinitelyTyped package, running code never.
        const ok = file.endsWith('.d.ts') ? declared.has(name) || declared.has(`@types/${name}`) : declared.has(name);
        if (!ok) undeclared.add(`${name} (${file})`);
      }
    }
    expect([...undeclared]).toEqual([]);
    // The scan sees the imports it should (a broken pattern would find nothing and pass).
    expect([...imported]).toEqual(expect.arrayContaining(['@nestjs/common', 'openid-client', 'jose', 'express-session', 'typeorm', 'oidc-provider']));
  });

  it('loads its main entry with the declared packages only, optional peers absent, and exports what the README promises', () => {
    const optional = new Set(Object.keys(manifest.peerDependenciesMeta ?? {}).filter((name) => manifest.peerDependenciesMeta?.[name]?.optional));
    for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]) {
      if (!optional.has(name)) link(name);
    }
    const script = `
      const m = await import('nest-franceconnect');
      const codes = [];
      for (const value of Object.values(m)) {
        if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
        for (const args of [['message'], [['problem']], ['error', 'description']]) {
          try { codes.push(new value(...args).code); break; } catch {}
        }
      }
      console.log(JSON.stringify({ names: Object.keys(m), codes }));`;
    const loaded = run(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir });
    expect(loaded.stderr).toBe('');
    expect(loaded.status).toBe(0);
    const { names, codes } = JSON.parse(loaded.stdout) as { names: string[]; codes: string[] };
    expect(names).toEqual(
      expect.arrayContaining([
        'FranceConnectPlusModule',
        'FRANCECONNECT_PLUS_ISSUERS',
        'FRANCECONNECT_ISSUERS',
        'FcPlusGuard',
        'FcGuard',
        'AuthenticatedGuard',
        'LogoutGuard',
        'EidasGuard',
        'RequireEidas',
        'FcUser',
        'sessionIdentities',
        'highestLevel',
        'isSignInRedirect',
        'SignInRedirect',
        'FranceConnectExceptionFilter',
        'KeyService',
        'RedisTransactionStore',
        'MemoryTransactionStore',
        'franceConnectSession',
        'IdentityLinkService',
        'IDENTITY_ENTITIES',
        'IDENTITY_MIGRATIONS',
        'FranceConnectError',
        'FranceConnectConfigurationError',
      ]),
    );
    // Every code of the README's error table has its exported error class.
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const errorSection = readme.slice(readme.indexOf('\n## Errors'), readme.indexOf('\n## ', readme.indexOf('\n## Errors') + 1));
    const documented = [...errorSection.matchAll(/^\| `(FC_[A-Z_]+)` \|/gm)].map((match) => match[1]!);
    expect(documented.length).toBeGreaterThan(15);
    expect(documented.filter((code) => !codes.includes(code))).toEqual([]);
  });

  it('runs the franceconnect bin through its shebang', () => {
    const options: SpawnSyncOptions = {
      cwd: appDir,
      env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}` },
    };
    const bin = join(installed, BIN);
    const bare = run(bin, [], options);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('Usage: franceconnect <command>');
    const help = run(bin, ['--help'], options);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: franceconnect <command>');

    const keyFile = join(appDir, 'sp-keys.json');
    expect(run(bin, ['keys', 'generate', '--alg', 'RSA-OAEP-256', '--file', keyFile], options).status).toBe(0);
    const listed = run(bin, ['keys', 'list', '--file', keyFile], options);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/RSA-OAEP-256\s+current/);
  });

  it('compiles an application against the public API only, and signs a person in through the packaged emulator', () => {
    // The optional peers the testing entry needs, and the application's own packages.
    for (const name of Object.keys(manifest.peerDependenciesMeta ?? {})) link(name);
    link('@nestjs/platform-express');
    link('@types/node');
    copyFileSync(join(ROOT, 'test/package/consumer/app.mts'), join(appDir, 'app.mts'));
    writeFileSync(
      join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          noUncheckedIndexedAccess: true,
          types: ['node'],
          outDir: 'out',
          rootDir: '.',
        },
        files: ['app.mts'],
      }),
    );
    // Declarations are checked too (no skipLibCheck), but only those of the application and of this package
    // count: a third-party declaration that disagrees with a neighbour's version is not this package's to fix.
    const compiled = run(process.execPath, [TSC, '-p', join(appDir, 'tsconfig.json')], { cwd: appDir });
    const diagnostics = (compiled.stdout + compiled.stderr).split('\n').filter((line) => /error TS\d+/.test(line));
    const ours = diagnostics.filter((line) => !/^[^(]*node_modules\//.test(line) || line.startsWith('node_modules/nest-franceconnect/'));
    expect(ours).toEqual([]);

    const started = run(process.execPath, [join(appDir, 'out/app.mjs')], { cwd: appDir, timeout: 60_000 });
    // oidc-provider 9 warns on every Node.js release line before 22; the emulator runs on 20 all the same.
    const warnings = started.stderr.split('\n').filter((line) => line !== '' && !line.includes('oidc-provider WARNING: Unsupported runtime'));
    expect(warnings).toEqual([]);
    expect(started.status).toBe(0);
    const seen = JSON.parse(started.stdout.trim().split('\n').at(-1)!) as {
      signIn: number;
      person: { id: string; familyName: string };
      me: { status: number; body: { platform: string; acr: string; familyName: string; kids: string[] } };
      taxReturn: { status: number; body: { code: string; required_acr: string; current_acr: string } };
      anonymous: { status: number; body: { code: string } };
      errors: { levelTooLow: string; configuration: boolean; redirect: boolean };
    };
    expect(seen.signIn).toBe(303);
    expect(seen.me.status).toBe(200);
    expect(seen.me.body).toMatchObject({ platform: 'fcp', acr: 'eidas2', familyName: seen.person.familyName });
    expect(seen.me.body.kids).toHaveLength(1);
    expect(seen.taxReturn).toMatchObject({
      status: 403,
      body: { code: 'FC_EIDAS_LEVEL_TOO_LOW', required_acr: 'eidas3', current_acr: 'eidas2' },
    });
    expect(seen.anonymous).toMatchObject({ status: 401, body: { code: 'FC_NOT_AUTHENTICATED' } });
    expect(seen.errors).toEqual({ levelTooLow: 'FC_EIDAS_LEVEL_TOO_LOW', configuration: true, redirect: false });
  }, 90_000);
});
