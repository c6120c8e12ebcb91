#!/usr/bin/env node
/**
 * Builds the publishable package `nest-franceconnect` and packs it (`npm run pack:lib`).
 *
 *   node scripts/pack.mjs [--out-dir <dir>]     default: build/
 *
 * 1. compiles libs/franceconnect/src and apps/fc-emulator/src (the testing entry re-exports the emulator)
 *    with tsconfig.package.json into <dir>/package/, declarations and source maps included, specs excluded;
 * 2. makes sure the compiled `franceconnect` bin starts with a `#!/usr/bin/env node` line and is executable;
 * 3. writes the package's package.json from libs/franceconnect/package.json, with the version, engines and
 *    dependency ranges of the root package.json, so the package asks for what the workspace is tested with;
 * 4. copies README.md, LICENSE, CHANGELOG.md, SECURITY.md and the documents the README links to;
 * 5. runs `npm pack` and prints the tarball's absolute path as the last line of its output.
 *
 * Exit code 0 on success, 1 on a failure (with the reason on stderr). Needs nothing but `npm ci`.
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE = join(ROOT, 'libs/franceconnect/package.json');
const TSCONFIG = join(ROOT, 'tsconfig.package.json');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const SHEBANG = '#!/usr/bin/env node';

/** Files copied as they are into the package, relative to the repository root and to the package root. */
const DOCUMENTS = [
  'README.md',
  'LICENSE',
  'CHANGELOG.md',
  'SECURITY.md',
  'docs/keys.md',
  'apps/fc-emulator/README.md',
  'libs/franceconnect/src/identity/README.md',
];

/** What must never reach the package, whatever tsconfig.package.json includes. */
const FORBIDDEN = /(\.spec\.|\.test\.|\.e2e\.|\.bench\.)|(^|\/)(test|bench|apps\/demo)\//;

class PackError extends Error {}

function parseArguments(argv) {
  let outDir = join(ROOT, 'build');
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--out-dir' && argv[index + 1]) {
      outDir = resolve(argv[index + 1]);
      index += 1;
    } else if (argument === '--help' || argument === '-h') {
      process.stdout.write('Usage: node scripts/pack.mjs [--out-dir <dir>]   (default: build/)\n');
      process.exit(0);
    } else {
      throw new PackError(`Unknown argument ${JSON.stringify(argument)}. Usage: node scripts/pack.mjs [--out-dir <dir>]`);
    }
  }
  return { outDir };
}

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw new PackError(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) {
    throw new PackError(`${[command, ...args].join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

async function listFiles(directory) {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** The root package.json's range for `name` (dependencies first, then devDependencies). */
function rootRange(rootManifest, name) {
  const range = rootManifest.dependencies?.[name] ?? rootManifest.devDependencies?.[name];
  if (!range) {
    throw new PackError(
      `libs/franceconnect/package.json lists "${name}", which the root package.json does not install: ` +
        `add it to the root package.json (npm install ${name}) or remove it from the template.`,
    );
  }
  return range;
}

function withRootRanges(rootManifest, names) {
  if (!names) return undefined;
  return Object.fromEntries(Object.keys(names).sort().map((name) => [name, rootRange(rootManifest, name)]));
}

/** The package's package.json: the template's metadata, the root's version, engines and ranges. */
function packageManifest(rootManifest, template) {
  const { '//': _note, private: _private, ...metadata } = template;
  const manifest = {
    name: metadata.name,
    version: rootManifest.version,
    description: metadata.description,
    keywords: metadata.keywords,
    license: metadata.license,
    type: metadata.type,
    sideEffects: metadata.sideEffects,
    main: metadata.main,
    types: metadata.types,
    exports: metadata.exports,
    bin: metadata.bin,
    files: metadata.files,
    engines: rootManifest.engines,
    dependencies: withRootRanges(rootManifest, metadata.dependencies),
    peerDependencies: withRootRanges(rootManifest, metadata.peerDependencies),
    peerDependenciesMeta: metadata.peerDependenciesMeta,
  };
  for (const key of Object.keys(metadata)) {
    if (!(key in manifest)) manifest[key] = metadata[key];
  }
  for (const name of Object.keys(manifest.peerDependenciesMeta ?? {})) {
    if (!manifest.peerDependencies?.[name]) {
      throw new PackError(`peerDependenciesMeta names "${name}", which is not in peerDependencies.`);
    }
  }
  return manifest;
}

/** Adds the shebang to the compiled bin when the source lacks it, and makes the bin executable. */
async function prepareBin(staging, manifest) {
  for (const target of Object.values(manifest.bin ?? {})) {
    const file = join(staging, target);
    const text = await readFile(file, 'utf8').catch(() => {
      throw new PackError(`The bin ${target} was not compiled: check tsconfig.package.json and the bin path.`);
    });
    if (!text.startsWith('#!')) {
      await writeFile(file, `${SHEBANG}\n${text}`);
      process.stderr.write(`pack: ${target} had no shebang; added "${SHEBANG}" (add it to the source too)\n`);
    }
    await chmod(file, 0o755);
  }
}

async function main() {
  const { outDir } = parseArguments(process.argv.slice(2));
  const staging = join(outDir, 'package');
  const rootManifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const template = JSON.parse(await readFile(TEMPLATE, 'utf8'));

  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });

  process.stderr.write(`pack: compiling into ${relative(ROOT, staging) || staging}\n`);
  run(process.execPath, [TSC, '-p', TSCONFIG, '--outDir', staging], { cwd: ROOT });

  const compiled = await listFiles(staging);
  const leaked = compiled.filter((file) => FORBIDDEN.test(file));
  if (leaked.length > 0) {
    throw new PackError(`tsconfig.package.json let test or sample files through:\n  ${leaked.join('\n  ')}`);
  }

  const manifest = packageManifest(rootManifest, template);
  await prepareBin(staging, manifest);
  await writeFile(join(staging, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  for (const document of DOCUMENTS) {
    const source = join(ROOT, document);
    await mkdir(dirname(join(staging, document)), { recursive: true });
    await copyFile(source, join(staging, document)).catch((error) => {
      throw new PackError(`Cannot copy ${document} into the package: ${error.message}`);
    });
  }

  // Inside `npm run`, npm_execpath is the running npm; otherwise the npm on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli && /npm-cli\.[cm]?js$/.test(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  const output = run(command, [...prefix, 'pack', '--json', '--ignore-scripts', '--pack-destination', outDir], {
    cwd: staging,
    env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
  const [packed] = JSON.parse(output.slice(output.indexOf('[')));
  const tarball = isAbsolute(packed.filename) ? packed.filename : join(outDir, packed.filename);
  process.stderr.write(
    `pack: ${packed.name}@${packed.version}: ${packed.entryCount} files, ` +
      `${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked\n`,
  );
  process.stdout.write(`${tarball}\n`);
}

main().catch((error) => {
  process.stderr.write(`pack: ${error instanceof PackError ? error.message : error?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});
