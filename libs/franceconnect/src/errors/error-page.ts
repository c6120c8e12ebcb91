import escape from 'escape-html';
import type { FranceConnectError } from './franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';

/** Title and explanation shown to a person, in French, by error code or platform error. */
const MESSAGES: Readonly<Record<string, { title: string; text: string }>> = {
  access_denied: {
    title: 'Connexion annulée',
    text: "La connexion n'a pas abouti : vous l'avez annulée ou votre identité n'a pas pu être confirmée.",
  },
  invalid_acr: {
    title: 'Niveau de sécurité non disponible',
    text: "Le niveau de garantie demandé n'est pas proposé par cette plateforme.",
  },
  invalid_request: { title: 'Demande invalide', text: 'La plateforme a refusé la demande de connexion.' },
  invalid_scope: { title: 'Données demandées non disponibles', text: 'La plateforme a refusé les données demandées.' },
  server_error: {
    title: 'Erreur technique',
    text: "La connexion a été interrompue par une erreur technique de la plateforme d'identification.",
  },
  temporarily_unavailable: {
    title: 'Service momentanément indisponible',
    text: "La plateforme d'identification est momentanément indisponible.",
  },
  FC_PROVIDER_UNAVAILABLE: {
    title: 'Service momentanément indisponible',
    text: "La plateforme d'identification ne répond pas pour le moment. Veuillez réessayer dans quelques instants.",
  },
  FC_STATE_INVALID: {
    title: 'Connexion expirée ou déjà utilisée',
    text: "Cette réponse de connexion ne correspond à aucune connexion en cours dans ce navigateur. Recommencez depuis le début.",
  },
  FC_ISSUER_MISMATCH: {
    title: 'Réponse refusée',
    text: "Cette réponse ne provient pas de la plateforme attendue. Recommencez depuis le début.",
  },
  unsupported_response_type: { title: 'Demande invalide', text: 'La plateforme a refusé la demande de connexion.' },
  FC_TRANSACTION_EXPIRED: { title: 'Connexion expirée', text: 'La connexion a pris trop de temps. Recommencez depuis le début.' },
  FC_ACR_TOO_LOW: {
    title: 'Niveau de sécurité insuffisant',
    text: "Le niveau de garantie obtenu est inférieur à celui qu'exige cette démarche.",
  },
  FC_EIDAS_LEVEL_TOO_LOW: {
    title: 'Niveau de sécurité insuffisant',
    text: 'Cette page demande une identification avec un niveau de garantie plus élevé.',
  },
  FC_LOGOUT_STATE_INVALID: {
    title: 'Déconnexion non vérifiée',
    text: "Le retour de déconnexion ne correspond à aucune déconnexion en cours. Votre session sur ce site est fermée.",
  },
  FC_CROSS_SITE_REQUEST: { title: 'Demande refusée', text: "Cette demande ne provient pas de ce site." },
  FC_NOT_AUTHENTICATED: { title: 'Connexion requise', text: 'Identifiez-vous pour accéder à cette page.' },
  FC_SESSION_MISSING: {
    title: 'Service mal configuré',
    text: "Ce site ne peut pas conserver votre connexion (session absente). Le problème vient de ce site : réessayez plus tard.",
  },
  FC_SESSION_COOKIE_NOT_SENT: {
    title: 'Service mal configuré',
    text: "Ce site ne peut pas conserver votre connexion (cookie de session). Le problème vient de ce site : réessayez plus tard.",
  },
  FC_TOO_MANY_SIGN_INS: {
    title: 'Trop de tentatives de connexion',
    text: 'Trop de connexions ont été commencées depuis votre connexion internet. Patientez une minute, puis réessayez.',
  },
  FC_PLATFORM_ANSWER_TOO_LARGE: {
    title: 'Erreur technique',
    text: "La réponse de la plateforme d'identification n'a pas pu être lue. Réessayez dans quelques instants.",
  },
  FC_CLIENT_AUTHENTICATION_FAILED: {
    title: 'Service mal configuré',
    text: "Ce site n'a pas pu s'authentifier auprès de la plateforme d'identification. Le problème vient de ce site : réessayez plus tard.",
  },
  FC_CLIENT_METADATA_INVALID: {
    title: 'Service mal configuré',
    text: "La plateforme d'identification n'a pas pu lire les clés de ce site. Le problème vient de ce site : réessayez plus tard.",
  },
};

const DEFAULT_MESSAGE = {
  title: 'La connexion a échoué',
  text: "La réponse de la plateforme d'identification n'a pas pu être vérifiée. Aucune donnée n'a été enregistrée.",
};

/** The French title and text shown for an error. */
export function errorMessage(error: FranceConnectError): { title: string; text: string } {
  // Own keys only: a platform error named `__proto__` or `toString` must not reach the prototype.
  const known = (key: string) => (Object.hasOwn(MESSAGES, key) ? MESSAGES[key] : undefined);
  return known(error.code) ?? known(error.oauthError) ?? DEFAULT_MESSAGE;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return escape(value);
}

/**
 * What an error page shows, given to an application's {@link ErrorPageTemplate}. `code`, `title` and
 * `text` are already escaped for HTML: insert them as they are, and do not escape them again. `title` and
 * `text` are the library's French texts for the error, never the platform's own words.
 */
export interface ErrorPageContent {
  /** HTTP status of the answer, e.g. `401`. */
  readonly status: number;
  /** The error's stable code, for support (e.g. `FC_STATE_INVALID`), HTML-escaped. */
  readonly code: string;
  /** Short French title, HTML-escaped. */
  readonly title: string;
  /** One or two French sentences saying what happened and what to do, HTML-escaped. */
  readonly text: string;
  /** The platform involved, when there is one. */
  readonly platform?: PlatformId;
}

/**
 * An application's own template for the library's error pages: it returns the whole HTML document,
 * sent as is with the error's status. It must not add a stack trace or the error's message, and must
 * escape anything of its own that is not constant. When it throws or does not return a string, the
 * library's own page is sent instead and one line is logged.
 */
export type ErrorPageTemplate = (page: ErrorPageContent) => string;

/** Where a failing template is reported: the Nest `Logger` of the caller. */
export interface ErrorPageLogger {
  error(message: string): void;
}

/** The content of an error's page, escaped once here so that no template can forget it. */
export function errorPageContent(error: FranceConnectError): ErrorPageContent {
  const { title, text } = errorMessage(error);
  return Object.freeze({
    status: error.status,
    code: escapeHtml(error.code),
    title: escapeHtml(title),
    text: escapeHtml(text),
    ...(error.platform && { platform: error.platform }),
  });
}

/**
 * The library's own page: self-contained (no script, no external resource), it says what happened and
 * offers to try again. It shows the error code for support, never a stack trace or a token.
 */
function defaultErrorPage(page: ErrorPageContent): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<style>body{font-family:Marianne,Arial,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#161616;line-height:1.5}
h1{font-size:1.75rem}a.button{display:inline-block;background:#000091;color:#fff;padding:.5rem 1rem;text-decoration:none}
code{background:#eee;padding:0 .25rem}</style>
</head>
<body>
<main>
<h1>${page.title}</h1>
<p>${page.text}</p>
<p><a class="button" href="/">Réessayer</a></p>
<p>Vous pouvez aussi utiliser un autre moyen de connexion proposé sur la page d'accueil.</p>
<p><small>Code de l'erreur : <code>${page.code}</code></small></p>
</main>
</body>
</html>
`;
}

/**
 * The HTML page for an error: the application's `template` when it gives one, the library's own page
 * otherwise. A template that throws, or returns anything but a string, must not turn an error page into a
 * 500 with Nest's own body: the library's page is sent and `logger` gets one line naming the code.
 */
export function renderErrorPage(error: FranceConnectError, template?: ErrorPageTemplate, logger?: ErrorPageLogger): string {
  const page = errorPageContent(error);
  if (template === undefined) return defaultErrorPage(page);
  let failure: string;
  try {
    const html: unknown = template(page);
    if (typeof html === 'string') return html;
    failure = `returned ${html === null ? 'null' : typeof html} instead of a string`;
  } catch (thrown) {
    // The message is the application's: cut and kept on one line, so it cannot forge log lines.
    failure = `threw${thrown instanceof Error ? ` ${thrown.name}: ${thrown.message.slice(0, 120).replace(/\p{Cc}/gu, ' ')}` : ''}`;
  }
  logger?.error(`error page template ${failure}; sent the library's page instead code=${error.code}`);
  return defaultErrorPage(page);
}

/** What is wrong with a `renderErrorPage` option, or `undefined` when it is a function or left out. */
export function errorPageTemplateProblem(template: unknown): string | undefined {
  if (template === undefined || typeof template === 'function') return undefined;
  return "renderErrorPage must be a function ({ status, code, title, text, platform }) => string returning the HTML of the page, or left out for the library's own page.";
}
