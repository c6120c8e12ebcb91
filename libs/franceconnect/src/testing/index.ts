/**
 * Testing kit (`nest-franceconnect/testing`): start the FranceConnect / FranceConnect+ emulator from a
 * service's own test suite, decide who signs in next, and drive a whole sign-in through the service with
 * an HTTP client, without a browser and without a FranceConnect account.
 *
 * @example
 * ```ts
 * const emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, clients: [myClient], log: false });
 * const { agent, response } = await signInThroughApp(emulator, 'fcp', { identity: 'angela-dubois' }, {
 *   appUrl: 'http://localhost:3000', loginPath: '/auth/fcp/login',
 * });
 * await emulator.stop();
 * ```
 */
export {
  startFcEmulator,
  TEST_IDENTITIES,
  findIdentity,
  type EmulatorClientConfig,
  type RunningFcEmulator,
  type RunningPlatform,
  type ScriptedSignIn,
  type StartFcEmulatorOptions,
  type TestIdentity,
} from '../../../../libs/fc-emulator/src/index.js';
export { CookieJar, type StoredCookie } from './cookie-jar.js';
export { decodeHtml, parseForms, type HtmlForm } from './html-page.js';
export { HttpAgent } from './http-agent.js';
export type { AgentRequestInit, AgentResponse, FollowOptions, FollowResult } from './http-agent.js';
export { completeEmulatorLogin, completeEmulatorLogout, EmulatorFlowError } from './emulator-login.js';
export type { EmulatorFlowOptions, EmulatorLoginChoice } from './emulator-login.js';
export { signInThroughApp } from './sign-in-through-app.js';
export type { ScriptableEmulator, SignInThroughAppOptions, SignInThroughAppResult } from './sign-in-through-app.js';
