// TF.js backend chosen by measurement, not assumed. In headless Chromium on a CPU-only
// machine WebGL runs on SwiftShader (software) and the wasm backend ran the same conv net
// ~15× faster; on real GPUs WebGL wins. So: a software WebGL renderer → wasm at once;
// otherwise time a small conv net on both and keep the faster. wasm files are bundled
// (no CDN) and loaded single-threaded: the threaded build's workers come from blob: URLs
// that the extension CSP blocks, and the backend then hangs.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export interface BackendChoice {
  backend: 'wasm' | 'webgl' | 'cpu';
  reason: string;
  /** ms per probe run, for the backends that were timed. */
  timings: Partial<Record<'wasm' | 'webgl', number>>;
  renderer: string | null;
}

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i;

export function webglRenderer(): string | null {
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return null;
  }
}

/** A conv net about the size of one sync-model stream, timed after a warm-up run. */
async function probe(backend: 'wasm' | 'webgl'): Promise<number> {
  if (!(await tf.setBackend(backend))) throw new Error(`${backend} backend failed to initialise`);
  await tf.ready();
  const run = () =>
    tf.tidy(() => {
      const x = tf.ones([4, 56, 56, 16]) as tf.Tensor4D;
      const w1 = tf.ones([3, 3, 16, 32]) as tf.Tensor4D;
      const w2 = tf.ones([3, 3, 32, 32]) as tf.Tensor4D;
      return tf.conv2d(tf.relu(tf.conv2d(x, w1, 1, 'same')), w2, 2, 'same').sum();
    });
  await run().data(); // warm-up: shader compilation / wasm first call
  const start = performance.now();
  const runs = 3;
  for (let i = 0; i < runs; i++) {
    const out = run();
    await out.data();
    out.dispose();
  }
  return (performance.now() - start) / runs;
}

let chosen: Promise<BackendChoice> | null = null;

/** Chooses (once per page) and activates the backend. `tfWasmBase` is the folder with the .wasm files. */
export function chooseBackend(tfWasmBase: string, prefer?: 'wasm' | 'webgl' | 'cpu'): Promise<BackendChoice> {
  chosen ??= (async () => {
    setWasmPaths(tfWasmBase.endsWith('/') ? tfWasmBase : `${tfWasmBase}/`);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    const renderer = webglRenderer();
    const timings: BackendChoice['timings'] = {};
    const use = async (backend: BackendChoice['backend'], reason: string): Promise<BackendChoice> => {
      if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend failed to initialise`);
      await tf.ready();
      return { backend, reason, timings, renderer };
    };
    if (prefer) return use(prefer, 'requested');
    if (!renderer) return use('wasm', 'no WebGL');
    if (SOFTWARE_RENDERERS.test(renderer)) return use('wasm', `WebGL is software-rendered (${renderer})`);
    for (const backend of ['wasm', 'webgl'] as const) {
      try {
        timings[backend] = await probe(backend);
      } catch {
        timings[backend] = Infinity;
      }
    }
    const faster = (timings.webgl ?? Infinity) < (timings.wasm ?? Infinity) ? 'webgl' : 'wasm';
    return use(
      faster,
      `measured: wasm ${timings.wasm?.toFixed(1)} ms, webgl ${timings.webgl?.toFixed(1)} ms per probe`,
    );
  })();
  return chosen;
}
