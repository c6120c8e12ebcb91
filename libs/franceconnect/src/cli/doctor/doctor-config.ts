import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FranceConnectConfigurationError, FranceConnectError } from '../../errors/franceconnect.errors.js';
import type { FranceConnectModuleOptions } from '../../options/franceconnect-options.interface.js';
import { resolveFranceConnectOptions } from '../../options/resolve-options.js';
import type { ResolvedFranceConnectOptions, ResolvedPlatform } from '../../options/resolve-options.js';
import { PLATFORM_IDS, PLATFORM_OPTIONS } from '../../platforms.js';

/** The files `doctor` looks for in the working directory when `--config` is not given, in this order. */
export const DEFAULT_CONFIG_FILES: readonly string[] = Object.freeze(['franceconnect.config.js', 'franceconnect.config.mjs', 'franceconnect.config.json']);

/** A configuration file that cannot be read or does not give module options; the message says what to write. */
export class ConfigFileError extends FranceConnectError {
  override readonly code = 'FC_CONFIG_FILE_INVALID';
}

/** The configuration `doctor` checks: the module options of a file, resolved as the module resolves them at start-up. */
export interface DoctorConfig {
  /** Absolute path of the configuration file. */
  readonly source: string;
  /** The options, validated and completed with their defaults; absent when they do not resolve. */
  readonly options?: ResolvedFranceConnectOptions;
  /** Why the options do not resolve: the problems the module would list at start-up (none when they resolve). */
  readonly problems: readonly string[];
  /**
   * The platforms to check, FranceConnect first: every platform configured when the options resolve;
   * otherwise each platform whose own registration resolves, so that one broken registration does not
   * hide what can be learnt of the other.
   */
  readonly platforms: readonly ResolvedPlatform[];
}

/** The first of {@link DEFAULT_CONFIG_FILES} present in `cwd`, as an absolute path, or `undefined`. */
export async function findConfigFile(cwd: string): Promise<string | undefined> {
  for (const name of DEFAULT_CONFIG_FILES) {
    const path = join(cwd, name);
    if (await stat(path).then((info) => info.isFile(), () => false)) return path;
  }
  return undefined;
}

/**
 * Loads the module options a configuration file gives, and resolves them with the module's own
 * {@link resolveFranceConnectOptions}: options that do not resolve are not an error here, their problems
 * are in the result. Running an ES module file runs its code, as the application would.
 *
 * @param path absolute path of the file: an ES module (`.js`, `.mjs`; `.ts` where Node strips types)
 *   whose default export is the options object, or a function (possibly async) returning it; or a `.json`
 *   file holding the options.
 * @param env the environment the options are resolved in (`NODE_ENV` decides `production` when the options
 *   do not say).
 * @throws {ConfigFileError} when the file is missing, cannot be loaded, or does not give an options object.
 */
export async function loadDoctorConfig(path: string, env: Readonly<Record<string, string | undefined>>): Promise<DoctorConfig> {
  const raw = await loadModuleOptions(path);
  try {
    const options = resolveFranceConnectOptions(raw, env);
    const platforms = PLATFORM_IDS.map((id) => options.platforms[id]).filter((platform) => platform !== undefined);
    return { source: path, options, problems: [], platforms };
  } catch (error) {
    if (!(error instanceof FranceConnectConfigurationError)) throw error;
    return { source: path, problems: error.problems, platforms: platformsResolvingAlone(raw, env) };
  }
}

/**
 * The options a configuration file gives, before resolution.
 *
 * @throws {ConfigFileError}
 */
async function loadModuleOptions(path: string): Promise<FranceConnectModuleOptions> {
  const found = await stat(path).then((info) => info.isFile(), () => false);
  if (!found) throw new ConfigFileError(`There is no configuration file ${path}.`);
  const options = extname(path) === '.json' ? await readJson(path) : await importDefault(path);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigFileError(
      `${path} gives ${describe(options)} instead of the module options: an object such as { franceConnectPlus: { issuer, clientId, clientSecret, redirectUri } }.`,
    );
  }
  return options as FranceConnectModuleOptions;
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(`Cannot read the configuration file ${path} (${codeOf(error)}).`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message is not repeated: it quotes the text around the error, which can be a secret.
    throw new ConfigFileError(`The configuration file ${path} is not valid JSON.`);
  }
}

async function importDefault(path: string): Promise<unknown> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    if (codeOf(error) === 'ERR_UNKNOWN_FILE_EXTENSION') {
      throw new ConfigFileError(
        `This version of Node cannot load ${path} (${extname(path)}): give the compiled .js file instead, or run doctor with a Node that strips TypeScript types (22.18 or later).`,
      );
    }
    throw new ConfigFileError(`Cannot load the configuration file ${path}: ${messageOf(error)}`);
  }
  const exported = module.default;
  if (exported === undefined) {
    throw new ConfigFileError(
      `${path} has no default export: export default the options given to FranceConnectPlusModule.forRoot(), or a function returning them (the factory given to forRootAsync).`,
    );
  }
  if (typeof exported !== 'function') return exported;
  try {
    // The factory an application gives forRootAsync, called without the providers Nest would inject.
    return (await (exported as () => unknown)()) as unknown;
  } catch (error) {
    throw new ConfigFileError(`The default export of ${path} failed: ${messageOf(error)}`);
  }
}

/** Each platform resolved with its own registration only (and `allowInsecureHttp`), as outside production. */
function platformsResolvingAlone(raw: FranceConnectModuleOptions, env: Readonly<Record<string, string | undefined>>): ResolvedPlatform[] {
  const platforms: ResolvedPlatform[] = [];
  for (const id of PLATFORM_IDS) {
    const key = PLATFORM_OPTIONS[id];
    if (raw[key] === undefined) continue;
    try {
      const alone = resolveFranceConnectOptions({ [key]: raw[key], allowInsecureHttp: raw.allowInsecureHttp, production: false }, env);
      const platform = alone.platforms[id];
      if (platform !== undefined) platforms.push(platform);
    } catch (error) {
      // Its own problems are among those of the whole options, already reported.
      if (!(error instanceof FranceConnectConfigurationError)) throw error;
    }
  }
  return platforms;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
