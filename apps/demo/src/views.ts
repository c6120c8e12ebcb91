import escapeHtml from 'escape-html';
import type { ErrorPageContent, FcIdentity } from '../../../libs/franceconnect/src/index.js';

/**
 * A FranceConnect or FranceConnect+ button, following FranceConnect's published markup: a button naming
 * the platform, and the "Qu'est-ce que FranceConnect ?" link opening in a new window.
 */
export function franceConnectButton(platform: 'fc' | 'fcp'): string {
  const plus = platform === 'fcp';
  const name = plus ? 'FranceConnect+' : 'FranceConnect';
  const about = plus ? 'https://franceconnect.gouv.fr/france-connect-plus' : 'https://franceconnect.gouv.fr/';
  return `<div class="fr-connect-group">
  <a class="fr-connect${plus ? ' fr-connect--plus' : ''}" href="/auth/${platform}/login">
    <span class="fr-connect__login">S’identifier avec</span>
    <span class="fr-connect__brand">${name}</span>
  </a>
  <p><a href="${about}" target="_blank" rel="noopener" title="Qu’est-ce que ${name} ? - nouvelle fenêtre">Qu’est-ce que ${name} ?</a></p>
</div>`;
}

const STYLE = `body{font-family:Marianne,Arial,sans-serif;max-width:48rem;margin:0 auto;padding:0 1rem 3rem;color:#161616;line-height:1.5}
header{border-bottom:1px solid #ddd;padding:1rem 0;margin-bottom:2rem}header a{color:#161616;font-weight:700;text-decoration:none}
.fr-connect{display:inline-flex;flex-direction:column;background:#000091;color:#fff;padding:.75rem 1.5rem;text-decoration:none;border-radius:.25rem}
.fr-connect__brand{font-weight:700;font-size:1.25rem}
.buttons{display:flex;gap:2rem;flex-wrap:wrap}dl{display:grid;grid-template-columns:max-content auto;gap:.25rem 1rem}dt{font-weight:700}
button{background:#fff;color:#000091;border:1px solid #000091;padding:.5rem 1rem;font:inherit;cursor:pointer}
a.button{display:inline-block;background:#000091;color:#fff;padding:.5rem 1rem;text-decoration:none}code{background:#eee;padding:0 .25rem}`;

/** The site's layout around a page's content. `title` is HTML already: callers escape what is not constant. */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head>
<body>
<header><a href="/">Service de démonstration</a></header>
<main>
${body}
</main></body>
</html>
`;
}

/** The pivot identity and email, labelled in French (the claim name beside each label). */
const CLAIM_LABELS: readonly (readonly [claim: string, label: string])[] = [
  ['given_name', 'Prénoms'],
  ['family_name', 'Nom de naissance'],
  ['birthdate', 'Date de naissance'],
  ['gender', 'Sexe'],
  ['birthplace', 'Lieu de naissance (code INSEE)'],
  ['birthcountry', 'Pays de naissance (code INSEE)'],
  ['email', 'Adresse électronique'],
];

function claimValue(claim: string, value: unknown): string {
  const text = String(value ?? '');
  if (claim === 'birthdate' && /^\d{4}-\d{2}-\d{2}$/.test(text)) return text.split('-').toReversed().join('/');
  if (claim === 'gender') return text === 'female' ? 'féminin' : text === 'male' ? 'masculin' : text;
  if (claim === 'birthplace' && text === '') return 'né(e) à l’étranger';
  return text;
}

function identityList(identity: FcIdentity): string {
  return `<h2>${identity.platform === 'fcp' ? 'FranceConnect+' : 'FranceConnect'} (${escapeHtml(identity.acr)})</h2>
<dl>
${CLAIM_LABELS.map(
  ([claim, label]) =>
    `<dt>${label} <small><code>${claim}</code></small></dt><dd>${escapeHtml(claimValue(claim, identity.claims[claim]))}</dd>`,
).join('\n')}
</dl>`;
}

const LOGOUT_FORM = `<form method="post" action="/auth/logout"><button type="submit">Se déconnecter</button></form>`;

/** The home page: the sign-in buttons, and the signed-in identities. */
export function renderHome(identities: readonly (FcIdentity | undefined)[]): string {
  const signedIn = identities.filter((identity): identity is FcIdentity => identity !== undefined);
  const body = signedIn.length
    ? `<p>Vous êtes connecté.</p>
${signedIn.map(identityList).join('\n')}
<ul>
<li><a href="/protected/eidas2">Démarche de niveau substantiel (eidas2)</a></li>
<li><a href="/protected/eidas3">Démarche de niveau élevé (eidas3)</a></li>
<li><a href="/me">Voir l’identité en JSON</a></li>
</ul>
${LOGOUT_FORM}`
    : `<p>Identifiez-vous pour accéder à vos démarches.</p>
<div class="buttons">
${franceConnectButton('fc')}
${franceConnectButton('fcp')}
</div>`;
  return page('Service de démonstration FranceConnect', `<h1>Service de démonstration</h1>\n${body}`);
}

/** A page that required an eIDAS level. */
export function renderProtected(required: string, level: string, identity: FcIdentity): string {
  return page(
    `Démarche ${escapeHtml(required)}`,
    `<h1>Démarche de niveau ${escapeHtml(required)}</h1>
<p>Niveau de la session : <strong>${escapeHtml(level)}</strong></p>
${identityList(identity)}
<p><a href="/">Accueil</a></p>
${LOGOUT_FORM}`,
  );
}

/**
 * The library's error pages in the site's layout: the `renderErrorPage` template of the module and of
 * `franceConnectSession()`. `title`, `text` and `code` arrive HTML-escaped, so they are inserted as they
 * are (escaping them again would show `&amp;#39;` on the page).
 */
export function renderErrorPage({ title, text, code }: ErrorPageContent): string {
  return page(
    title,
    `<h1>${title}</h1>
<p>${text}</p>
<p><a class="button" href="/">Réessayer</a></p>
<p>Vous pouvez aussi utiliser un autre moyen de connexion proposé sur la page d’accueil.</p>
<p><small>Code de l’erreur : <code>${code}</code></small></p>`,
  );
}
