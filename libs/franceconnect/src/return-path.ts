/**
 * Whether a value is a path on this site: one leading `/`, not `//` (another host) nor `/\` (which some
 * browsers read as `//`), and no scheme. Used for every return path, configured or asked for, so that
 * sign-in and logout can never be an open redirect. The bottom of the layers, beside platforms.ts.
 */
export function isSameOriginPath(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 2048 &&
    value.startsWith('/') &&
    !value.startsWith('//') &&
    !value.startsWith('/\\') &&
    // eslint-disable-next-line no-control-regex
    !/[\u0000-\u001f\u007f]/.test(value)
  );
}
