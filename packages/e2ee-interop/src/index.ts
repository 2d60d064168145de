// @fulcrum/e2ee-interop: private test harness for the OpenMLS (core-crypto) cross-check. See README.md.
export { CHROMIUM_ARGS, chromiumPath, launchChromium } from './chromium.js';
export { serveStatic } from './static-server.js';
export type { StaticServer } from './static-server.js';
