/**
 * The npm package, as a service would receive it: `scripts/pack.mjs` builds and packs it, then the tarball
 * is checked (what it holds, what it leaves out, its package.json, its own README), installed into a
 * temporary application without the network, and used there: the main entry loads with the declared
 * packages only, both bins run from node_modules/.bin (the emulator's with a client registered by flags,
 * answering discovery on both platforms), the README's snippets compile, and an application written
 * against the two public entries compiles with strict settings and signs a person in through the emulator
 * shipped in the package.
 *
 * "Installed" means: the tarball extracted into node_modules/nest-franceconnect, each bin linked into
 * node_modules/.bin, and each package the package.json declares linked from the workspace's node_modules,
 * so an undeclared import fails here as it would after `npm install`. The tests run in order: the
 * optional peers (oidc-provider) are linked only from the consumer's test on.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateClients } from '../../libs/fc-emulator/src/clients.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const MAIN = 'libs/franceconnect/src/index';
const TESTING = 'libs/franceconnect/src/testing/index';
/** Every entry of the package: its subpath and its compiled file, without extension. */
const ENTRIES: Readonly<Record<string, string>> = {
  '.': MAIN,
  './keys': 'libs/franceconnect/src/keys/index',
  './identity': 'libs/franceconnect/src/identity/index',
  './typeorm': 'libs/franceconnect/src/identity/typeorm',
  './testing': TESTING,
  './emulator': 'libs/fc-emulator/src/index',
};
const BIN = 'libs/franceconnect/src/cli/main.js';
const EMULATOR_BIN = 'libs/fc-emulator/src/main.js';
const SECRET = 'packaged-app-secret-of-at-least-32-characters';

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

/** Compiler settings of the applications compiled against the package: strict, as a careful service sets them. */
const APP_COMPILER_OPTIONS = {
  target: 'ES2023',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  noUncheckedIndexedAccess: true,
  types: ['node'],
};

/**
 * tsc's errors in the application and in this package. Declarations are checked too (no skipLibCheck), but
 * a third-party declaration that disagrees with a neighbour's version is not this package's to fix.
 */
function ourDiagnostics(compiled: Run): string[] {
  const diagnostics = (compiled.stdout + compiled.stderr).split('\n').filter((line) => /error TS\d+/.test(line));
  return diagnostics.filter((line) => !/^[^(]*node_modules\//.test(line) || line.startsWith('node_modules/nest-franceconnect/'));
}

/** The fenced code blocks of a Markdown text, with their language; a block indented in a list is dedented. */
function codeBlocks(markdown: string): Array<{ lang: string; code: string }> {
  return [...markdown.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```/gm)].map(([, indent, lang, code]) => ({
    lang: lang!,
    code: code!.replace(new RegExp(`^${indent}`, 'gm'), ''),
  }));
}

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as hyphens. */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The environment of a command run from the temporary application: node on PATH, no FC_EMULATOR_* of the host. */
function appEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('FC_EMULATOR_')));
  return { ...env, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}` };
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

  /** Links a workspace package into the temporary application's node_modules (once). */
  const link = (name: string): void => {
    const target = join(appDir, 'node_modules', name);
    if (existsSync(target)) return;
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
    // As npm does: one relative link per bin in node_modules/.bin.
    mkdirSync(join(appDir, 'node_modules/.bin'));
    for (const [name, target] of Object.entries(manifest.bin)) {
      symlinkSync(join('../nest-franceconnect', target), join(appDir, 'node_modules/.bin', name));
    }
    writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ name: 'packaged-service', private: true, type: 'module' })}\n`);
  }, 180_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('holds every entry point with its declarations, the bins, the emulator and the documents', () => {
    for (const entry of Object.values(ENTRIES)) {
      expect(entries).toContain(`${entry}.js`);
      expect(entries).toContain(`${entry}.d.ts`);
      expect(entries).toContain(`${entry}.js.map`);
    }
    expect(entries).toContain(BIN);
    expect(entries).toContain(EMULATOR_BIN);
    for (const file of ['index', 'emulator', 'provider', 'interactions', 'identities', 'main']) {
      expect(entries).toContain(`libs/fc-emulator/src/${file}.js`);
      expect(entries).toContain(`libs/fc-emulator/src/${file}.d.ts`);
    }
    for (const document of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md', 'docs/keys.md', 'libs/fc-emulator/README.md', 'libs/fc-emulator/clients.json']) {
      expect(entries).toContain(document);
    }
    // The identity migration ships: IDENTITY_MIGRATIONS points at it.
    expect(entries.some((entry) => /^libs\/franceconnect\/src\/identity\/migrations\/\d+-CreateIdentityTables\.js$/.test(entry))).toBe(true);

    for (const file of [BIN, EMULATOR_BIN]) {
      expect(readFileSync(join(installed, file), 'utf8').split('\n')[0], file).toBe('#!/usr/bin/env node');
      expect(statSync(join(installed, file)).mode & 0o111, file).toBe(0o111);
    }
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
    const outside = entries.filter((entry) => entry.endsWith('.js') && !/^libs\/(franceconnect|fc-emulator)\/src\//.test(entry));
    expect(outside).toEqual([]);
  });

  it('has a package.json for an ES module package with every entry, the bins and the root versions', () => {
    expect(manifest).toMatchObject({
      name: 'nest-franceconnect',
      version: rootManifest.version,
      type: 'module',
      license: 'MIT',
      engines: { node: rootManifest.engines.node },
    });
    expect(manifest.bin).toEqual({ franceconnect: BIN, 'franceconnect-emulator': EMULATOR_BIN });
    expect(manifest.exports).toEqual({
      ...Object.fromEntries(
        Object.entries(ENTRIES).map(([subpath, file]) => [subpath, { types: `./${file}.d.ts`, import: `./${file}.js`, default: `./${file}.js` }]),
      ),
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
    expect(manifest.peerDependenciesMeta).toEqual({
      'oidc-provider': { optional: true },
      '@types/oidc-provider': { optional: true },
      typeorm: { optional: true },
    });
  });

  it('declares every package its compiled code and declarations import', () => {
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const undeclared = new Set<string>();
    const imported = new Set<string>();
    for (const file of listFiles(installed).filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'))) {
      for (const specifier of importedSpecifiers(readFileSync(join(installed, file), 'utf8'))) {
        if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
        const name = packageName(specifier);
        // The package may name itself (its entries, in a usage text): that resolves through its exports.
        if (name === manifest.name) continue;
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
      const entries = {};
      for (const subpath of ['', '/keys', '/identity']) entries['.' + subpath] = await import('nest-franceconnect' + subpath);
      // Every error class any of these entries exports, with the code it is raised with.
      const codes = {};
      for (const [subpath, m] of Object.entries(entries)) {
        for (const [name, value] of Object.entries(m)) {
          if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
          for (const args of [['message'], [['problem']], ['error', 'description']]) {
            try {
              const code = new value(...args).code;
              if (typeof code === 'string') codes[subpath + ' ' + name] = code;
              break;
            } catch {}
          }
        }
      }
      const typeorm = await import('nest-franceconnect/typeorm').then(() => 'loaded', (error) => error.message);
      console.log(JSON.stringify({
        names: Object.fromEntries(Object.entries(entries).map(([subpath, m]) => [subpath, Object.keys(m)])),
        answered: Object.keys(entries['.'].ERROR_ANSWERS),
        codes,
        typeorm,
      }));`;
    const loaded = run(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir });
    expect(loaded.stderr).toBe('');
    expect(loaded.status).toBe(0);
    const { names, answered, codes, typeorm } = JSON.parse(loaded.stdout) as {
      names: Record<string, string[]>;
      answered: string[];
      codes: Record<string, string>;
      typeorm: string;
    };
    expect(names['.']).toEqual(
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
        'SignInRoute',
        'sessionIdentities',
        'currentIdentity',
        'highestLevel',
        'FranceConnectExceptionFilter',
        'KeyService',
        'PlatformHealth',
        'RedisTransactionStore',
        'MemoryTransactionStore',
        'RedisThrottlerStorage',
        'franceConnectSession',
        'IdentityLinkService',
        'FranceConnectError',
        'FranceConnectConfigurationError',
        'ERROR_ANSWERS',
      ]),
    );
    // The root entry holds what an application uses, not the library's workings.
    for (const internal of ['resolveFranceConnectOptions', 'PlatformRegistry', 'SignInService', 'FranceConnectStrategy', 'SignInRedirect', 'KeySet', 'IDENTITY_ENTITIES', 'isUniqueViolation', 'normalisePivotName']) {
      expect(names['.'], internal).not.toContain(internal);
    }
    expect(names['./keys']).toEqual(expect.arrayContaining(['KeySet', 'loadKeySet', 'generateEncryptionKey', 'generateSigningKey', 'rotateKeys', 'retireKey', 'pruneRetiredKeys', 'KeyConfigurationError']));
    expect(names['./identity']).toEqual(expect.arrayContaining(['normalisePivotIdentity', 'IDENTITY_STORE', 'IdentityConfigurationError', 'InvalidSignInError']));
    // typeorm is an optional peer: the root entry loads without it, its own entry says what is missing.
    expect(typeorm).toMatch(/Cannot find (package|module) 'typeorm'/);

    // Every code of the README's error table is one the library answers, and every error class of the
    // entries raises a code of that table.
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const errorSection = readme.slice(readme.indexOf('\n## Errors'), readme.indexOf('\n## ', readme.indexOf('\n## Errors') + 1));
    const documented = [...errorSection.matchAll(/^\| `(FC_[A-Z_]+)` \|/gm)].map((match) => match[1]!);
    expect(documented.length).toBeGreaterThan(15);
    expect(documented.sort()).toEqual(answered.filter((code) => code !== 'FC_ERROR').sort());
    expect(Object.keys(codes).length).toBeGreaterThan(25);
    expect(Object.entries(codes).filter(([, code]) => !answered.includes(code))).toEqual([]);

    link('typeorm');
    const withTypeorm = run(process.execPath, ['--input-type=module', '-e', "console.log(Object.keys(await import('nest-franceconnect/typeorm')).join(' '))"], { cwd: appDir });
    expect(withTypeorm.stderr).toBe('');
    expect(withTypeorm.stdout.trim().split(' ')).toEqual(expect.arrayContaining(['IDENTITY_ENTITIES', 'IDENTITY_MIGRATIONS', 'TypeOrmIdentityStore', 'IdentityAccount', 'IdentityLink']));
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

  it('has its own README: the install line first, no repository command, links that resolve', () => {
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    expect(readme).toBe(readFileSync(join(ROOT, 'libs/franceconnect/README.package.md'), 'utf8'));
    // The first thing after the introduction is the install command, with every peer dependency.
    const [install] = codeBlocks(readme);
    expect(readme.indexOf('\n## ')).toBeGreaterThan(readme.indexOf(install!.code));
    const [runtime, , development, , identity] = install!.code.split('\n');
    expect(runtime).toMatch(/^npm install nest-franceconnect /);
    const optional = Object.keys(manifest.peerDependenciesMeta ?? {});
    const required = Object.keys(manifest.peerDependencies).filter((name) => !optional.includes(name));
    expect(required.filter((name) => !runtime!.split(' ').includes(name))).toEqual([]);
    // Optional peers: the emulator's for development, typeorm for identity linking on TypeORM.
    expect(development).toMatch(/^npm install --save-dev /);
    expect(identity).toBe('npm install typeorm');
    expect(optional.filter((name) => !`${development} ${identity}`.split(' ').includes(name))).toEqual([]);
    // What only a clone of the repository can run.
    expect(readme).not.toMatch(/\bnpm (ci|start|test|run)\b/);

    // Every relative link of every document in the package reaches a file (and heading) of the package.
    const broken: string[] = [];
    for (const document of entries.filter((entry) => entry.endsWith('.md'))) {
      const text = readFileSync(join(installed, document), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const [path, anchor] = target!.split('#');
        const file = relative(installed, resolve(installed, dirname(document), path!)).split(sep).join('/');
        if (!entries.includes(file)) {
          broken.push(`${document} → ${target}`);
        } else if (anchor !== undefined && file.endsWith('.md')) {
          const headings = [...readFileSync(join(installed, file), 'utf8').matchAll(/^#+ (.+)$/gm)].map((match) => headingAnchor(match[1]!));
          if (!headings.includes(anchor)) broken.push(`${document} → ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('runs franceconnect-emulator from node_modules/.bin: its help, its mistakes, and oidc-provider missing', () => {
    const bin = join(appDir, 'node_modules/.bin/franceconnect-emulator');
    const options: SpawnSyncOptions = { cwd: appDir, env: appEnv() };
    const help = run(bin, ['--help'], options);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: franceconnect-emulator /);
    // Both READMEs use flags that exist, and the emulator's lists every one.
    const flags = new Set(help.stdout.match(/--[a-z][a-z-]+/g));
    const emulatorReadme = readFileSync(join(installed, 'libs/fc-emulator/README.md'), 'utf8');
    expect([...flags].filter((flag) => !emulatorReadme.includes(`\`${flag}`))).toEqual([]);
    for (const readme of [readFileSync(join(installed, 'README.md'), 'utf8'), emulatorReadme]) {
      const commands = codeBlocks(readme).filter((block) => block.lang === 'sh' && block.code.includes('franceconnect-emulator'));
      const used = commands.flatMap((block) => block.code.match(/--[a-z][a-z-]+/g) ?? []);
      expect(used.filter((flag) => !flags.has(flag))).toEqual([]);
    }

    const typo = run(bin, ['--redirect-url', 'http://localhost:3000/auth/fcp/callback'], options);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('unknown option --redirect-url. Did you mean --redirect-uri?');
    const missing = run(bin, ['--client-id', 'packaged-app', '--client-secret', SECRET], options);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('redirect_uris must be a non-empty array of absolute http(s) URLs. It is set by --redirect-uri <url>.');
    expect(missing.stderr).not.toContain(SECRET);

    // The optional peer is linked from the next test on: here the emulator says how to install it.
    expect(existsSync(join(appDir, 'node_modules/oidc-provider'))).toBe(false);
    const withoutProvider = run(bin, ['--fc-port', '0', '--fcp-port', '0'], options);
    expect(withoutProvider.status).toBe(1);
    expect(withoutProvider.stderr).toContain('npm install --save-dev oidc-provider');
  });

  it('compiles an application against the public API only, and signs a person in through the packaged emulator', () => {
    // The optional peers the testing entry needs, and the application's own packages.
    for (const name of Object.keys(manifest.peerDependenciesMeta ?? {})) link(name);
    link('@nestjs/platform-express');
    link('@types/node');
    copyFileSync(join(ROOT, 'test/package/consumer/app.mts'), join(appDir, 'app.mts'));
    writeFileSync(
      join(appDir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...APP_COMPILER_OPTIONS, outDir: 'out', rootDir: '.' }, files: ['app.mts'] }),
    );
    const compiled = run(process.execPath, [TSC, '-p', join(appDir, 'tsconfig.json')], { cwd: appDir });
    expect(ourDiagnostics(compiled)).toEqual([]);

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
      errors: { levelTooLow: string; configuration: boolean; answered: number };
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
    expect(seen.errors).toEqual({ levelTooLow: 'FC_EIDAS_LEVEL_TOO_LOW', configuration: true, answered: 403 });

    // The entries that need the optional oidc-provider, now linked.
    const script = "for (const subpath of ['testing', 'emulator']) console.log(subpath, Object.keys(await import('nest-franceconnect/' + subpath)).join(' '))";
    const loaded = run(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir });
    expect(loaded.status, loaded.stderr).toBe(0);
    const lines = Object.fromEntries(loaded.stdout.trim().split('\n').map((line) => [line.split(' ')[0], line.split(' ').slice(1)]));
    expect(lines['testing']).toEqual(expect.arrayContaining(['startFcEmulator', 'signInThroughApp', 'HttpAgent', 'CookieJar', 'parseForms']));
    expect(lines['emulator']).toEqual(expect.arrayContaining(['startFcEmulator', 'DEFAULT_CLIENTS', 'TEST_IDENTITIES', 'findIdentity', 'validateClients']));
  }, 90_000);

  it('compiles the README: each TypeScript snippet is a file of one application, the clients file validates', () => {
    for (const name of Object.keys(manifest.peerDependenciesMeta ?? {})) link(name);
    link('@types/node');
    const readme = readFileSync(join(installed, 'README.md'), 'utf8');
    const snippets = codeBlocks(readme).filter((block) => block.lang === 'ts');
    const files: string[] = [];
    for (const { code } of snippets) {
      // Each snippet names its file on its first line, so that their imports of one another resolve.
      const file = /^\/\/ (\S+\.ts)\n/.exec(code)?.[1];
      expect(file, `a README snippet without its file name:\n${code}`).toBeDefined();
      mkdirSync(dirname(join(appDir, 'readme', file!)), { recursive: true });
      writeFileSync(join(appDir, 'readme', file!), code);
      files.push(file!);
    }
    expect(files).toEqual(expect.arrayContaining(['src/app.module.ts', 'src/main.ts']));
    writeFileSync(join(appDir, 'readme/tsconfig.json'), JSON.stringify({ compilerOptions: { ...APP_COMPILER_OPTIONS, noEmit: true }, files }));
    const compiled = run(process.execPath, [TSC, '-p', join(appDir, 'readme/tsconfig.json')], { cwd: join(appDir, 'readme') });
    expect(ourDiagnostics(compiled)).toEqual([]);

    const clientFiles = codeBlocks(readme).filter((block) => block.lang === 'json');
    expect(clientFiles).toHaveLength(1);
    expect(() => validateClients(JSON.parse(clientFiles[0]!.code))).not.toThrow();
  }, 90_000);

  it("compiles the repository README's integration: its `// src/*.ts` snippets are one application", () => {
    for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]) link(name);
    link('@nestjs/platform-express');
    link('@types/node');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const files: string[] = [];
    for (const { code } of codeBlocks(readme).filter((block) => block.lang === 'ts')) {
      const file = /^\/\/ (src\/\S+\.ts)\n/.exec(code)?.[1];
      if (file === undefined) continue;
      mkdirSync(dirname(join(appDir, 'root-readme', file)), { recursive: true });
      writeFileSync(join(appDir, 'root-readme', file), code);
      files.push(file);
    }
    expect(files).toEqual(expect.arrayContaining(['src/app.module.ts', 'src/main.ts']));
    writeFileSync(join(appDir, 'root-readme/tsconfig.json'), JSON.stringify({ compilerOptions: { ...APP_COMPILER_OPTIONS, noEmit: true }, files }));
    const compiled = run(process.execPath, [TSC, '-p', join(appDir, 'root-readme/tsconfig.json')], { cwd: join(appDir, 'root-readme') });
    expect(ourDiagnostics(compiled)).toEqual([]);
    // Its install line names every peer dependency an application needs, as the package's README does.
    const install = codeBlocks(readme).find((block) => block.lang === 'sh' && block.code.startsWith('npm install nest-franceconnect '));
    const optional = Object.keys(manifest.peerDependenciesMeta ?? {});
    const required = Object.keys(manifest.peerDependencies).filter((name) => !optional.includes(name));
    expect(required.filter((name) => !install!.code.split('\n')[0]!.split(' ').includes(name))).toEqual([]);
  }, 90_000);

  it('starts both platforms from node_modules/.bin with clients registered by flags, until SIGTERM', async () => {
    const appUrl = 'http://localhost:3999';
    const args = [
      '--fc-port', '0', '--fcp-port', '0',
      '--client-id', 'packaged-app', '--client-secret', SECRET, '--redirect-uri', `${appUrl}/auth/fcp/callback`,
      '--post-logout-redirect-uri', `${appUrl}/auth/logout/callback`, '--jwks-uri', `${appUrl}/.well-known/jwks.json`,
      '--client-id', 'packaged-app-fc', '--platform', 'fc', '--client-secret', SECRET, '--redirect-uri', `${appUrl}/auth/fc/callback`,
    ];
    const child = spawn(join(appDir, 'node_modules/.bin/franceconnect-emulator'), args, { cwd: appDir, env: appEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

    let exitCode: number | null;
    try {
      const deadline = Date.now() + 30_000;
      // The last line it prints once both platforms listen.
      while (!stdout.includes('Ctrl+C stops the emulator.')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`franceconnect-emulator did not start:\n${stdout}${stderr}`);
        await new Promise((wait) => setTimeout(wait, 50));
      }
      const fcIssuer = /FranceConnect {3}issuer (\S+)/.exec(stdout)?.[1];
      const fcpIssuer = /FranceConnect\+ {2}issuer (\S+)/.exec(stdout)?.[1];
      expect(fcIssuer).toMatch(/^http:\/\/localhost:\d+\/api\/v2$/);
      expect(fcpIssuer).toMatch(/^http:\/\/localhost:\d+\/api\/v2$/);
      expect(stdout).toContain(`franceConnectPlus: { issuer: '${fcpIssuer}'`);
      expect(stdout).toContain('allowInsecureHttp: true, // development only');
      // The clients with their URIs, never their secrets.
      expect(stdout).toContain(`packaged-app on FranceConnect+; redirect_uris ${appUrl}/auth/fcp/callback; post_logout_redirect_uris ${appUrl}/auth/logout/callback; jwks_uri ${appUrl}/.well-known/jwks.json`);
      expect(stdout).toContain(`packaged-app-fc on FranceConnect; redirect_uris ${appUrl}/auth/fc/callback`);
      expect(stdout + stderr).not.toContain(SECRET);

      for (const [issuer, clientId, platform, acr] of [
        [fcIssuer!, 'packaged-app-fc', 'fc', 'eidas1'],
        [fcpIssuer!, 'packaged-app', 'fcp', 'eidas2'],
      ] as const) {
        const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
        expect(discovery.status).toBe(200);
        const metadata = (await discovery.json()) as { issuer: string; acr_values_supported: string[] };
        expect(metadata.issuer).toBe(issuer);
        expect(metadata.acr_values_supported).toContain(acr);
        // The client the flags registered is known: its sign-in reaches the login page, not the error page.
        const authorize = new URL(`${issuer}/authorize`);
        for (const [name, value] of Object.entries({
          client_id: clientId,
          redirect_uri: `${appUrl}/auth/${platform}/callback`,
          response_type: 'code',
          scope: 'openid given_name',
          acr_values: acr,
          state: 'state-of-the-packaged-application',
          nonce: 'nonce-of-the-packaged-application',
        })) {
          authorize.searchParams.set(name, value);
        }
        const signIn = await fetch(authorize, { redirect: 'manual' });
        expect(signIn.status, platform).toBe(303);
        expect(signIn.headers.get('location'), platform).toMatch(/\/api\/v2\/interaction\//);
      }
    } finally {
      child.kill('SIGTERM');
      exitCode = await exited;
    }
    expect(exitCode, stderr).toBe(0);
    expect(stdout).toContain('SIGTERM received, stopping');
  }, 60_000);
});
