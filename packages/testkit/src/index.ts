// @fulcrum/testkit (private): boots the real platform for integration tests, plus raw-HTTP helpers.
export { DEFAULT_TEST_POSTGRES_URL, startTestPlatform } from './platform.js';
export type { TestPlatform, TestPlatformOptions } from './platform.js';
export { rawRequest, signRequestHeaders, signWsChallenge } from './signed-request.js';
export type { RawRequestOptions, RawResponse, RequestSigner, SignOptions } from './signed-request.js';
export {
  addTestDevice,
  createTestAccountIdentity,
  createTestDevice,
  registerTestAccount,
  serverKeyDirectory,
} from './identity.js';
export type { TestDevice } from './identity.js';
export { connectTestWs } from './ws-client.js';
export type { TestWsClient } from './ws-client.js';
