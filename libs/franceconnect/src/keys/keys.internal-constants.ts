/**
 * The only JWK members ever copied into a published (public) JWK.
 *
 * The public JWKS is built by copying these members, never by deleting the private ones: a deny
 * list silently publishes any private member it does not know about (`d`, `p`, `q`, `dp`, `dq`, `qi`,
 * `oth`, `k`, or one a future key type adds), an allow list cannot.
 */
export const PUBLIC_JWK_MEMBERS = Object.freeze([
  'kty',
  'crv',
  'x',
  'y',
  'n',
  'e',
  'kid',
  'alg',
  'use',
] as const);

/** Smallest RSA modulus accepted, in bits: the size FranceConnect's own example service providers use. */
export const MIN_RSA_MODULUS_BITS = 2048;

/** The only elliptic curve accepted: FranceConnect+ and openid-client use P-256 for `ECDH-ES`. */
export const EC_CURVE = 'P-256';
