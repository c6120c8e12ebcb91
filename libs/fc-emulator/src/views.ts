/**
 * Server-rendered pages, in French, usable without JavaScript and by a plain HTTP client: every action
 * is a plain `<form method="post">` whose fields are documented in the README.
 */
import escape from 'escape-html';
import type { TestIdentity } from './identities.js';
import type { EidasLevel, PlatformDefinition } from './platforms.js';

/** Escapes text for an HTML element or a double-quoted attribute. */
export function escapeHtml(value: unknown): string {
  return escape(String(value));
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f6;color:#161616;line-height:1.5}
main{max-width:46rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-top:4px solid #000091}
h1{font-size:1.5rem;margin-top:0}
.banner{background:#fff4e5;border-left:4px solid #b34000;padding:.5rem 1rem;margin-bottom:1rem}
.error{background:#ffe9e9;border-left:4px solid #ce0500;padding:.5rem 1rem}
fieldset{border:1px solid #ddd;margin:0 0 1rem;padding:.5rem 1rem}
legend{font-weight:600}
.choice{display:flex;gap:.5rem;align-items:flex-start;padding:.25rem 0}
.choice small{display:block;color:#555}
button{font:inherit;padding:.5rem 1.25rem;border:0;background:#000091;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#000091;border:1px solid #000091}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:break-word}
`;

function page(title: string, platform: PlatformDefinition, body: string, head = ''): string {
  return `<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – ${escapeHtml(platform.displayName)} (émulateur)</title>
<style>${STYLE}</style>
${head}
</head>
<body>
<main>
<p class="banner" role="note">Émulateur local de ${escapeHtml(platform.displayName)} : identités fictives, à n'utiliser qu'en développement et en test.</p>
${body}
</main>
</body>
</html>`;
}

const LEVEL_LABELS: Readonly<Record<EidasLevel, string>> = {
  eidas1: 'eidas1 – niveau faible',
  eidas2: 'eidas2 – niveau substantiel',
  eidas3: 'eidas3 – niveau élevé',
};

function formatBirthdate(birthdate: string): string {
  const [year, month, day] = birthdate.split('-');
  return `${day}/${month}/${year}`;
}

function identityLabel(person: TestIdentity): string {
  const born = person.gender === 'female' ? 'née' : 'né';
  return `<strong>${escapeHtml(person.family_name)} ${escapeHtml(person.given_name)}</strong>, ${born} le ${escapeHtml(
    formatBirthdate(person.birthdate),
  )}<small>${escapeHtml(person.description)} · amr : ${escapeHtml(person.amr.join(', '))}</small>`;
}

/** What the login page needs to know. */
export interface LoginPageModel {
  platform: PlatformDefinition;
  /** Path of the interaction, e.g. `/api/v2/interaction/abc`; forms post to `…/login` and `…/abort`. */
  interactionPath: string;
  clientId: string;
  scope: string;
  requestedAcr: EidasLevel;
  identities: readonly TestIdentity[];
  selectedIdentity?: string;
  selectedAcr?: EidasLevel;
  /** Message shown above the form after an invalid submission. */
  error?: string;
}

/** The login page: pick a test identity and the eIDAS level to return, or cancel. */
export function loginPage(model: LoginPageModel): string {
  const { platform } = model;
  const selectedIdentity = model.selectedIdentity ?? model.identities[0]?.id;
  const selectedAcr = model.selectedAcr ?? model.requestedAcr;
  const identities = model.identities
    .map(
      (person) => `<div class="choice">
<input type="radio" name="identity" id="identity-${escapeHtml(person.id)}" value="${escapeHtml(person.id)}"${
        person.id === selectedIdentity ? ' checked' : ''
      } required>
<label for="identity-${escapeHtml(person.id)}">${identityLabel(person)}</label>
</div>`,
    )
    .join('\n');
  const levels = platform.acrValues
    .map(
      (level) => `<div class="choice">
<input type="radio" name="acr" id="acr-${level}" value="${level}"${level === selectedAcr ? ' checked' : ''} required>
<label for="acr-${level}">${escapeHtml(LEVEL_LABELS[level])}${level === model.requestedAcr ? ' (niveau demandé)' : ''}</label>
</div>`,
    )
    .join('\n');
  const error = model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  return page(
    'Connexion',
    platform,
    `<h1>Se connecter avec ${escapeHtml(platform.displayName)}</h1>
${error}
<dl>
<dt>Service</dt><dd>${escapeHtml(model.clientId)}</dd>
<dt>Données demandées</dt><dd>${escapeHtml(model.scope)}</dd>
<dt>Niveau demandé</dt><dd>${escapeHtml(model.requestedAcr)}</dd>
</dl>
<form method="post" action="${escapeHtml(model.interactionPath)}/login" id="login-form">
<fieldset>
<legend>Identité de test</legend>
${identities}
</fieldset>
<fieldset>
<legend>Niveau de garantie eIDAS renvoyé au service (acr)</legend>
${levels}
</fieldset>
<button type="submit">Se connecter</button>
</form>
<form method="post" action="${escapeHtml(model.interactionPath)}/abort" id="cancel-form">
<p><button type="submit" class="secondary">Annuler et revenir au service</button></p>
</form>`,
  );
}

/** What an error page shows: the OAuth error and its description, never a stack trace. */
export interface ErrorPageModel {
  platform: PlatformDefinition;
  /** FranceConnect's error code (`Y` followed by six or seven characters), when FranceConnect shows one. */
  code?: string;
  error: string;
  description?: string;
}

/** The emulator's error page, for requests that cannot be returned to the client. */
export function errorPage(model: ErrorPageModel): string {
  return page(
    'Erreur',
    model.platform,
    `<h1>Une erreur est survenue</h1>
<p>La demande ne peut pas être renvoyée au service. Revenez au service et recommencez la connexion.</p>
<dl>
${model.code ? `<dt>Code d’erreur</dt><dd><code id="error-code">${escapeHtml(model.code)}</code></dd>` : ''}
<dt>Code</dt><dd><code id="error">${escapeHtml(model.error)}</code></dd>
${model.description ? `<dt>Détail</dt><dd id="error_description">${escapeHtml(model.description)}</dd>` : ''}
</dl>`,
  );
}

/**
 * The logout confirmation. `form` is oidc-provider's form (action and `xsrf` field); the `logout=yes`
 * field and a submit button are added inside it, and a script submits it at once, as FranceConnect
 * logs out without asking. Without JavaScript, the person presses the button.
 */
export function logoutPage(platform: PlatformDefinition, form: string): string {
  const completed = form.replace(
    '</form>',
    '<input type="hidden" name="logout" value="yes"><button type="submit" autofocus>Se déconnecter</button></form>',
  );
  return page(
    'Déconnexion',
    platform,
    `<h1>Déconnexion de ${escapeHtml(platform.displayName)}</h1>
${completed}
<script>document.forms[0].submit()</script>`,
  );
}

/** Shown after a logout without `post_logout_redirect_uri`. */
export function logoutSuccessPage(platform: PlatformDefinition): string {
  return page('Déconnexion', platform, `<h1>Vous êtes déconnecté de ${escapeHtml(platform.displayName)}</h1>`);
}

/** Shown for unknown paths outside the provider. */
export function notFoundPage(platform: PlatformDefinition, issuer: string): string {
  return page(
    'Page introuvable',
    platform,
    `<h1>Page introuvable</h1>
<p>Le fournisseur OpenID Connect est servi sous <a href="${escapeHtml(issuer)}/.well-known/openid-configuration">${escapeHtml(
      issuer,
    )}</a>.</p>`,
  );
}
