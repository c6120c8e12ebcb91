#!/usr/bin/env node
/**
 * Builds the publishable package `nest-franceconnect` and packs it (`npm run pack:lib`).
 *
 *   node scripts/pack.mjs [--out-dir <dir>]     default: build/
 *
 * 1. compiles libs/franceconnect/src and libs/fc-emulator/src (the testing entry re-exports the emulator)
 *    with tsconfig.package.json into <dir>/package/, declarations and source maps included, specs excluded;
 * 2. makes sure every compiled bin (`franceconnect`, `franceconnect-emulator`) starts with a
 *    `#!/usr/bin/env node` line, is executable and is inside the package's `files`;
 * 3. writes the package's package.json from libs/franceconnect/package.json, with the version, engines and
 *    dependency ranges of the root package.json, so the package asks for what the workspace is tested with;
 * 4. copies the package's own README (libs/franceconnect/README.package.md, as README.md: the repository's
 *    README speaks of `npm ci` and `npm start`, which a package user cannot run), LICENSE, CHANGELOG.md,
 *    SECURITY.md and the documents they link to;
 * 5. runs `npm pack` and prints the tarball's absolute path as the last line of its output.
 *
 * Exit code 0 on success, 1 on a failure (with the reason on stderr). Needs nothing but `npm ci`.
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE = join(ROOT, 'libs/franceconnect/package.json');
const TSCONFIG = join(ROOT, 'tsconfig.package.json');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const SHEBANG = '#!/usr/bin/env node';

/**
 * Files copied as they are into the package: a path relative to both the repository root and the package
 * root, or [path in the repository, path in the package].
 */
const DOCUMENTS = [
  ['libs/franceconnect/README.package.md', 'README.md'],
  'LICENSE',
  'CHANGELOG.md',
  'SECURITY.md',
  'docs/keys.md',
  'docs/franceconnect-contract.md',
  'docs/franceconnect-contract-tests.md',
  'libs/fc-emulator/README.md',
  // The default clients as a file to copy and edit, as the emulator's README suggests.
  'libs/fc-emulator/clients.json',
  'libs/franceconnect/src/identity/README.md',
];

/** What must never reach the package, whatever tsconfig.package.json includes. */
const FORBIDDEN = /(\.spec\.|\.test\.|\.e2e\.|\.bench\.)|(^|\/)(test|bench|apps\/demo)\//;

class PackError extends Error {}

const USAGE = 'Usage: node scripts/pack.mjs [--out-dir <dir>]   (default: build/)';

function parseArguments(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { 'out-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new PackError(`${error.message}. ${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return { outDir: values['out-dir'] === undefined ? join(ROOT, 'build') : resolve(values['out-dir']) };
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

/** Adds the shebang to each compiled bin when its source lacks it, and makes every bin executable. */
async function prepareBin(staging, manifest) {
  for (const [name, target] of Object.entries(manifest.bin ?? {})) {
    // npm only links a bin the package holds: a path outside `files` would install a dangling command.
    const shipped = (manifest.files ?? []).some((entry) => (entry.endsWith('/') ? target.startsWith(entry) : target === entry));
    if (!shipped) throw new PackError(`The bin ${name} (${target}) is outside the package's files: add its folder to "files" in the template.`);
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
    const [from, to] = Array.isArray(document) ? document : [document, document];
    await mkdir(dirname(join(staging, to)), { recursive: true });
    await copyFile(join(ROOT, from), join(staging, to)).catch((error) => {
      throw new PackError(`Cannot copy ${from} into the package as ${to}: ${error.message}`);
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
