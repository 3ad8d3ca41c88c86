// The one MediaPipe wasm build the engine loads, named in a module without imports so the
// build test (test/core/build-output.test.ts) can read it; scripts/build.mjs copies exactly
// these files into vendor/mediapipe.
//
// FilesetResolver.forVisionTasks picks vision_wasm_internal (SIMD) or
// vision_wasm_nosimd_internal by feature detection at run time, so the build had to ship
// both (plus the unused ES-module variant): ~34 MB. Every browser this extension is built
// for has wasm SIMD (Chrome ≥ 91, Firefox ≥ 89; the build targets Chrome 120 and Firefox 128,
// Firefox's strict_min_version), so the SIMD build is named here and only it ships.
// The loader is the classic-script one: the landmarker workers load it with importScripts.
export const MEDIAPIPE_WASM_LOADER = 'vision_wasm_internal.js';
export const MEDIAPIPE_WASM_BINARY = 'vision_wasm_internal.wasm';
