/** Injection token of the validated, frozen module options ({@link ResolvedFranceConnectOptions}). */
export const FRANCECONNECT_OPTIONS = Symbol('FRANCECONNECT_OPTIONS');

/** Metadata key under which `@RequireEidas()` records the required level. */
export const REQUIRE_EIDAS_METADATA = 'franceconnect:require-eidas';
/** Metadata key written by `@SignInRoute()` on a login route. */
export const SIGN_IN_ROUTE_METADATA = 'franceconnect:sign-in-route';
