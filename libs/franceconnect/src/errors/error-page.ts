import type { FranceConnectError } from './franceconnect.errors.js';

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
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * A self-contained error page (no script, no external resource) that says what happened and offers to
 * try again. It shows the error code for support, never a stack trace or a token.
 */
export function renderErrorPage(error: FranceConnectError): string {
  const { title, text } = errorMessage(error);
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:Marianne,Arial,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#161616;line-height:1.5}
h1{font-size:1.75rem}a.button{display:inline-block;background:#000091;color:#fff;padding:.5rem 1rem;text-decoration:none}
code{background:#eee;padding:0 .25rem}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
<p><a class="button" href="/">Réessayer</a></p>
<p>Vous pouvez aussi utiliser un autre moyen de connexion proposé sur la page d'accueil.</p>
<p><small>Code de l'erreur : <code>${escapeHtml(error.code)}</code></small></p>
</main>
</body>
</html>
`;
}
