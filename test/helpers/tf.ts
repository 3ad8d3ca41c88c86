// TF.js in node tests: the wasm backend (tfjs-node cannot install here), single
// threaded as in extension pages, or the pure-JS cpu backend when asked.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<typeof tf> {
  if (tf.getBackend() === name) return tf;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend(name);
  await tf.ready();
  return tf;
}
