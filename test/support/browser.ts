/**
 * Drives Debian's Chromium from browser tests with playwright-core: one browser per test file (launched
 * in `beforeAll`), a fresh context per test, full-page screenshots kept as artifacts, and axe-core
 * accessibility checks.
 *
 * Chromium comes from the system (`apt-get install chromium`), never from Playwright's own download.
 * Where it is missing, the tests skip with a message, except under CI, where they fail: `.ci/run`
 * installs it, so a missing browser there is a broken pipeline, not a reason to pass.
 *
 * @example
 * ```ts
 * describe.skipIf(BROWSER_SKIP_REASON !== undefined)('home page', () => {
 *   const chromium = useChromium();
 *   it('shows the sign-in buttons', async () => {
 *     const { page, screenshot } = await chromium.open();
 *     await page.goto(appUrl);
 *     await screenshot('home');
 *     await expectNoSeriousA11yViolations(page, 'home');
 *   });
 * });
 * ```
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AxeResults, ImpactValue, Result as AxeViolation } from 'axe-core';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** The Chromium binary: `CHROMIUM_PATH`, default Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine without a display, a sandbox or outside network: the
 * background-networking flags stop Chromium from calling Google's services at start, which a closed
 * network refuses many times over. Playwright adds a fresh, temporary `--user-data-dir` of its own on
 * every launch and removes it on close.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long a browser action or navigation may wait, in milliseconds. */
export const ACTION_TIMEOUT_MS = 10_000;

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where screenshots and axe reports are written (git-ignored). */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-results');

function runningInCi(): boolean {
  const ci = process.env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false';
}

/**
 * Why the browser tests cannot run here, or `undefined` when they can. Always `undefined` under CI:
 * there the launch fails instead, with {@link ChromiumMissingError}.
 */
export const BROWSER_SKIP_REASON: string | undefined =
  existsSync(CHROMIUM_PATH) || runningInCi()
    ? undefined
    : `Chromium not found at ${CHROMIUM_PATH}: browser tests skipped. Install it with ` +
      '`apt-get install chromium` or set CHROMIUM_PATH (under CI=true they fail instead of skipping).';

if (BROWSER_SKIP_REASON !== undefined) console.warn(BROWSER_SKIP_REASON);

/** Chromium is not installed where the tests look for it. */
export class ChromiumMissingError extends Error {
  readonly code = 'CHROMIUM_MISSING';

  constructor(readonly executablePath: string) {
    super(
      `Chromium not found at ${executablePath}. Install Debian's package (` +
        '`apt-get update && apt-get install -y chromium`, as .ci/run does) or set CHROMIUM_PATH to a Chromium binary.',
    );
    this.name = 'ChromiumMissingError';
  }
}

/**
 * Launches the system Chromium, headless, with {@link CHROMIUM_ARGS}.
 *
 * @throws {ChromiumMissingError} when there is no Chromium at {@link CHROMIUM_PATH}.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError(CHROMIUM_PATH);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
}

/** A file-name-safe form of a test name: `signs in with FranceConnect+` → `signs-in-with-franceconnect-plus`. */
export function slug(text: string): string {
  return text
    .replaceAll('+', ' plus ')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

/** A page in the current test's own context, and how to keep a picture of it. */
export interface BrowserTestPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /**
   * Saves a full-page screenshot as `test-results/screenshots/<test-name>-<step>.png` and returns the
   * path relative to the repository.
   */
  screenshot(step: string): Promise<string>;
}

/** What {@link useChromium} gives a test file. */
export interface ChromiumForTests {
  /** The file's browser, launched in `beforeAll`. */
  browser(): Promise<Browser>;
  /**
   * Opens a new context for the current test (cookies, storage and cache of its own) and a page in it.
   * Every context a test opens is closed after it; when the test fails, its last page is screenshot as
   * `<test-name>-failure.png` first.
   */
  open(options?: BrowserContextOptions): Promise<BrowserTestPage>;
}

/**
 * Registers hooks in the calling `describe` block (the block that skips without Chromium): Chromium
 * launched once in `beforeAll` and closed in `afterAll`, per-test contexts closed in `afterEach`.
 * Uncaught errors in a page's scripts fail the test.
 */
export function useChromium(): ChromiumForTests {
  let launching: Promise<Browser> | undefined;
  let testName = 'test';
  let opened: { context: BrowserContext; page: Page; pageErrors: Error[] }[] = [];

  async function screenshotOf(page: Page, step: string): Promise<string> {
    const file = join(ARTIFACTS_DIR, 'screenshots', `${slug(testName)}-${slug(step)}.png`);
    await mkdir(dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    return relative(REPO_ROOT, file);
  }

  async function browser(): Promise<Browser> {
    if (launching === undefined) throw new Error('Chromium is not launched: call useChromium() in the describe block');
    return launching;
  }

  beforeAll(() => {
    // A missing Chromium fails the whole block here, with how to install it.
    if (!existsSync(CHROMIUM_PATH)) throw new ChromiumMissingError(CHROMIUM_PATH);
    // Not awaited: Chromium starts while the block's other beforeAll hooks (the app, the emulator) run.
    launching = launchChromium();
    launching.catch(() => undefined);
  });
  afterAll(async () => {
    const launched = await launching?.catch(() => undefined);
    await launched?.close();
  });
  beforeEach(({ task }) => {
    testName = task.name;
  });
  afterEach(async ({ task }) => {
    const contexts = opened;
    opened = [];
    const last = contexts.at(-1);
    try {
      if (task.result?.state === 'fail' && last && !last.page.isClosed()) {
        await screenshotOf(last.page, 'failure').catch(() => undefined);
      }
    } finally {
      await Promise.all(contexts.map(({ context }) => context.close()));
    }
    const pageErrors = contexts.flatMap(({ pageErrors: errors }) => errors);
    expect(pageErrors.map((error) => error.message), 'uncaught errors in page scripts').toEqual([]);
  });

  return {
    browser,
    async open(options = {}) {
      const context = await (await browser()).newContext({ locale: 'fr-FR', viewport: { width: 1024, height: 768 }, ...options });
      // Well under the test timeout, so that a missing element fails with Playwright's own message.
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
      const page = await context.newPage();
      const entry = { context, page, pageErrors: [] as Error[] };
      page.on('pageerror', (error) => entry.pageErrors.push(error));
      opened.push(entry);
      return { context, page, screenshot: (step: string) => screenshotOf(page, step) };
    },
  };
}

const requireFromHere = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

/** Impacts that fail a test; `minor` and `moderate` findings are kept in the report only. */
export const BLOCKING_IMPACTS: readonly ImpactValue[] = ['serious', 'critical'];

/**
 * Runs axe-core on the page as it is (WCAG 2.x A and AA rules and axe's best practices), writes the
 * violations to `test-results/axe/<name>.json`, and returns them.
 */
export async function axeViolations(page: Page, name: string): Promise<AxeViolation[]> {
  axeSource ??= readFile(requireFromHere.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: await axeSource });
  const results = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } };
    return axe.run(document, { resultTypes: ['violations'] });
  });
  const file = join(ARTIFACTS_DIR, 'axe', `${slug(name)}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ url: results.url, violations: results.violations }, null, 2));
  return results.violations;
}

/** One line per violation: impact, rule, what to do, and the elements concerned. */
export function describeViolations(violations: readonly AxeViolation[]): string[] {
  return violations.map(
    (violation) =>
      `[${violation.impact ?? 'unknown'}] ${violation.id}: ${violation.help} (${violation.nodes
        .map((node) => node.target.join(' '))
        .join(', ')}) ${violation.helpUrl}`,
  );
}

/**
 * Fails the test when axe-core finds a `serious` or `critical` violation on the page. The assertion is
 * soft: the test goes on, so that one run reports the violations of every page it visits.
 */
export async function expectNoSeriousA11yViolations(page: Page, name: string): Promise<void> {
  const violations = await axeViolations(page, name);
  const blocking = violations.filter((violation) => violation.impact && BLOCKING_IMPACTS.includes(violation.impact));
  expect.soft(describeViolations(blocking), `serious or critical accessibility violations on ${name} (${page.url()})`).toEqual([]);
}
