// Constants scripts/build.mjs defines at build time (esbuild `define`).

/**
 * True only in the test build (dist/chrome-test, `node scripts/build.mjs chrome-test`):
 * debug messages and the popup's `?tabId=N` exist there, never in the product builds
 * (issue 11, item 6). Read it as `typeof __TEST_HOOKS__ !== 'undefined' && __TEST_HOOKS__`
 * so modules also load in node tests, where nothing defines it.
 */
declare const __TEST_HOOKS__: boolean;
