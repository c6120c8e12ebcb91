/**
 * The sample app and the emulator in a real browser (Debian's Chromium, headless): the buttons, the
 * emulator's pages and the redirects as a person goes through them, with the cookies, forms and scripts a
 * browser really handles. A screenshot of every page is kept under `test-results/screenshots/`.
 *
 * axe-core checks each kind of page once, on the way: the home page signed out and signed in, the
 * emulator's login page, a protected page and the error page. Any violation fails, whatever its impact:
 * the pages are small enough to have none, so a minor one is a regression too. Those checks are soft
 * assertions: a finding fails the test but lets the flow go on, so that one run reports every page. Their
 * full results are written to `test-results/axe/`.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { BROWSER_SKIP_REASON, axeViolations, describeViolations, useChromium, type BrowserTestPage } from '../support/browser.js';

const IDENTITY = { id: 'angela-dubois', familyName: 'DUBOIS' } as const;

/** The accessible names of the two buttons, as a screen reader reads them (the "+" is CSS content). */
const BUTTONS = {
  fc: 'S’identifier avec FranceConnect',
  fcp: 'S’identifier avec FranceConnect+',
} as const;

/** Fails the test, softly, when axe-core finds any violation on the page, whatever its impact. */
async function expectNoA11yViolations(page: Page, name: string): Promise<void> {
  const violations = await axeViolations(page, name);
  expect.soft(describeViolations(violations), `accessibility violations on ${name} (${page.url()})`).toEqual([]);
}

describe.skipIf(BROWSER_SKIP_REASON !== undefined)('the sample app in Chromium', () => {
  const chromium = useChromium();
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(async () => stack?.stop());

  const appUrl = (path = '/') => `${stack.appUrl}${path}`;
  const platformOrigin = (platform: 'fc' | 'fcp') =>
    new URL(platform === 'fc' ? stack.config.fc.issuer : stack.config.fcp!.issuer).origin;

  /** Clicks a platform's button on the app's home page and waits for the emulator's login page. */
  async function clickPlatformButton(page: Page, platform: 'fc' | 'fcp'): Promise<void> {
    await page.getByRole('link', { name: BUTTONS[platform], exact: true }).click();
    await expectEmulatorLoginPage(page, platform);
  }

  async function expectEmulatorLoginPage(page: Page, platform: 'fc' | 'fcp'): Promise<void> {
    await page.waitForURL((url) => url.origin === platformOrigin(platform) && url.pathname.includes('/interaction/'));
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe(`Se connecter avec ${platform === 'fc' ? 'FranceConnect' : 'FranceConnect+'}`);
  }

  /** Picks a test identity on the emulator's login page and submits, keeping the requested level. */
  async function chooseIdentity(page: Page, identity: string = IDENTITY.id): Promise<void> {
    await page.locator(`input[name="identity"][value="${identity}"]`).check();
    await page.getByRole('button', { name: 'Se connecter', exact: true }).click();
  }

  /**
   * Signs in from the home page with a platform. `record` keeps a picture of each page on the way, and
   * `axe` checks them too; the tests that only need a session do neither (each costs a fraction of a
   * second, and the budget of the file is about 30 s on 2 cores).
   */
  async function signIn(
    { page, screenshot }: BrowserTestPage,
    platform: 'fc' | 'fcp',
    check: { record?: boolean; axe?: boolean; identity?: string } = {},
  ): Promise<void> {
    const visit = async (step: string) => {
      if (check.record) await screenshot(step);
      if (check.axe) await expectNoA11yViolations(page, step);
    };
    await page.goto(appUrl());
    await visit('home-signed-out');
    await clickPlatformButton(page, platform);
    await visit('emulator-login');
    await chooseIdentity(page, check.identity);
    await page.waitForURL(appUrl());
    await expect.poll(() => page.locator('main').textContent()).toContain('Vous êtes connecté.');
    await visit('home-signed-in');
  }

  /**
   * The value a page's description list gives a term, named by its text (`<dt>Niveau demandé</dt>`) or by
   * its claim name (`<dt>Nom de naissance <code>family_name</code></dt><dd>DUBOIS</dd>`).
   */
  async function definition(page: Page, term: string): Promise<string | null> {
    return page.locator(`xpath=//dt[normalize-space()="${term}" or .//code[normalize-space()="${term}"]]/following-sibling::dd[1]`).first().textContent();
  }

  it('signs in with FranceConnect+ and shows the identity', async () => {
    const browser = await chromium.open();
    await signIn(browser, 'fcp', { record: true, axe: true });
    const { page } = browser;
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['FranceConnect+ (eidas2)']);
    expect(await definition(page, 'family_name')).toBe(IDENTITY.familyName);
    expect(await definition(page, 'given_name')).toBe('Angela Claire Louise');
  });

  it('signs in with FranceConnect and shows the identity', async () => {
    const browser = await chromium.open();
    await signIn(browser, 'fc', { record: true });
    const { page } = browser;
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['FranceConnect (eidas1)']);
    expect(await definition(page, 'family_name')).toBe(IDENTITY.familyName);
  });

  it('steps up from a FranceConnect session to FranceConnect+ for an eidas2 page', async () => {
    const browser = await chromium.open();
    await signIn(browser, 'fc');
    const { page, screenshot } = browser;
    await page.getByRole('link', { name: 'Démarche de niveau substantiel (eidas2)' }).click();
    await expectEmulatorLoginPage(page, 'fcp');
    expect(await definition(page, 'Niveau demandé')).toBe('eidas2');
    await screenshot('emulator-login-step-up');
    await chooseIdentity(page);
    await page.waitForURL(appUrl('/protected/eidas2'));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Démarche de niveau eidas2');
    expect(await page.locator('p', { hasText: 'Niveau de la session' }).locator('strong').textContent()).toBe('eidas2');
    expect(await definition(page, 'family_name')).toBe(IDENTITY.familyName);
    await screenshot('protected-eidas2');
    await expectNoA11yViolations(page, 'protected-eidas2');
  });

  it('comes back to a page guarded by FcPlusGuard alone after signing in, and shows it', async () => {
    const { page, screenshot } = await chromium.open();
    await page.goto(appUrl('/protected/fcp?onglet=1'));
    await expectEmulatorLoginPage(page, 'fcp');
    await chooseIdentity(page);
    await page.waitForURL(appUrl('/protected/fcp?onglet=1'));
    expect(await definition(page, 'family_name')).toBe(IDENTITY.familyName);
    await screenshot('protected-fcp-guard');
  });

  it('keeps one person per session: a person signed in on FranceConnect after another on FranceConnect+ does not inherit the eidas2 page', async () => {
    const browser = await chromium.open();
    await signIn(browser, 'fcp', { identity: 'eric-mercier' });
    const { page } = browser;
    await page.goto(appUrl('/auth/fc/login'));
    await expectEmulatorLoginPage(page, 'fc');
    await chooseIdentity(page);
    await page.waitForURL(appUrl());
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['FranceConnect (eidas1)']);
    await page.goto(appUrl('/protected/eidas2'));
    // Not let through as DUBOIS: sent to FranceConnect+ at eidas2, whose single sign-on answers for the
    // person who signed in there, MERCIER, whose page it shows.
    await page.waitForURL(appUrl('/protected/eidas2'));
    expect(await definition(page, 'family_name')).toBe('MERCIER');
  });

  it('keeps one person per session the other way round: FranceConnect, then another person on FranceConnect+', async () => {
    const browser = await chromium.open();
    await signIn(browser, 'fc');
    const { page } = browser;
    await page.goto(appUrl('/auth/fcp/login'));
    await expectEmulatorLoginPage(page, 'fcp');
    await chooseIdentity(page, 'eric-mercier');
    await page.waitForURL(appUrl());
    // Only the second person is left: DUBOIS's FranceConnect identity went with the session.
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['FranceConnect+ (eidas2)']);
    expect(await definition(page, 'family_name')).toBe('MERCIER');
  });

  it('logs out through the emulator, whose page submits itself, and lands signed out', async () => {
    const browser = await chromium.open();
    await signIn(browser, 'fcp');
    const { page, screenshot } = browser;
    const visited: URL[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) visited.push(new URL(request.url()));
    });
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(appUrl());
    await expect.poll(() => page.locator('main').textContent()).toContain('Identifiez-vous');
    expect(await page.getByRole('link', { name: BUTTONS.fcp, exact: true }).isVisible()).toBe(true);
    await screenshot('home-signed-out-after-logout');

    // The emulator's logout page was loaded and its script posted the confirmation at once (too fast
    // for a picture: the next test shows the page without JavaScript), then the browser came back
    // through the app's logout callback.
    const where = (url: URL) => (url.origin === stack.appUrl ? 'app' : url.origin === platformOrigin('fcp') ? 'fcp' : url.origin);
    expect(visited.map((url) => `${where(url)} ${url.pathname}`)).toEqual([
      'app /auth/logout',
      'fcp /api/v2/session/end',
      'fcp /api/v2/session/end/confirm',
      'app /auth/logout/callback',
      'app /',
    ]);
    const me = await page.request.get(appUrl('/me'), { headers: { accept: 'application/json' } });
    expect(me.status()).toBe(401);
  });

  it('logs out without JavaScript by pressing the button on the emulator’s logout page', async () => {
    const browser = await chromium.open({ javaScriptEnabled: false });
    await signIn(browser, 'fcp');
    const { page, screenshot } = browser;
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL((url) => url.origin === platformOrigin('fcp') && url.pathname === '/api/v2/session/end');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Déconnexion de FranceConnect+');
    await screenshot('emulator-logout');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(appUrl());
    await expect.poll(() => page.locator('main').textContent()).toContain('Identifiez-vous');
  });

  it('shows the access-denied page when the person cancels on the emulator', async () => {
    const { page, screenshot } = await chromium.open();
    await page.goto(appUrl());
    await clickPlatformButton(page, 'fcp');
    const callback = page.waitForResponse((response) => response.url().startsWith(appUrl('/auth/fcp/callback')));
    await page.getByRole('button', { name: 'Annuler et revenir au service' }).click();
    expect((await callback).status()).toBe(401);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Connexion annulée');
    expect(await page.locator('code').textContent()).toBe('FC_CALLBACK_ERROR');
    // The library's page rendered by the app's own template (renderErrorPage), in the site's layout.
    expect(await page.getByRole('banner').getByRole('link', { name: 'Service de démonstration' }).isVisible()).toBe(true);
    await screenshot('access-denied');
    await expectNoA11yViolations(page, 'error-access-denied');
    await page.getByRole('link', { name: 'Réessayer' }).click();
    await page.waitForURL(appUrl());
    expect(await page.getByRole('link', { name: BUTTONS.fcp, exact: true }).isVisible()).toBe(true);
  });
});
