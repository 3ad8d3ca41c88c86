// The one place that touches Web Audio for capture: an AudioWorklet (never the deprecated
// ScriptProcessor) fed by a source node, delivering mono chunks stamped with the
// performance.now() time at which they are heard. Used by the content script (a media
// element's sound) and by the engine host (a tab capture's sound).
import type { WorkletChunk } from './capture-worklet';

export const WORKLET_PATH = 'content/capture-worklet.js';
const PROCESSOR = 'lipsync-lens-mono-chunker';

export interface HeardChunk {
  /** performance.now() (ms) at which samples[0] is played out. */
  heardAt: number;
  sampleRate: number;
  samples: Float32Array;
}

const loadedContexts = new WeakMap<BaseAudioContext, Promise<void>>();

function loadWorklet(context: AudioContext, url: string): Promise<void> {
  let loading = loadedContexts.get(context);
  if (!loading) {
    loading = context.audioWorklet.addModule(url);
    loadedContexts.set(context, loading);
  }
  return loading;
}

/** Context time → performance.now() time at which it is output. */
function heardAt(context: AudioContext, contextTime: number): number {
  const stamp = context.getOutputTimestamp();
  if (stamp.contextTime !== undefined && stamp.performanceTime !== undefined && stamp.performanceTime > 0) {
    return stamp.performanceTime + (contextTime - stamp.contextTime) * 1000;
  }
  // Before the first output: assume it plays after the context's own latency.
  return performance.now() + (contextTime - context.currentTime + (context.outputLatency || 0) + (context.baseLatency || 0)) * 1000;
}

export interface AudioTap {
  stop(): void;
}

/** Taps `source` (which the caller keeps connected to the destination, so it stays audible). */
export async function tapAudio(context: AudioContext, source: AudioNode, workletUrl: string, onChunk: (chunk: HeardChunk) => void): Promise<AudioTap> {
  await loadWorklet(context, workletUrl);
  // One silent output wired to the destination: a node nothing pulls from is not run
  // reliably (measured: a zero-output node delivered one chunk, then stopped).
  const node = new AudioWorkletNode(context, PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
  node.port.onmessage = (event: MessageEvent<WorkletChunk>) => {
    const { startFrame, sampleRate, samples } = event.data;
    onChunk({ heardAt: heardAt(context, startFrame / sampleRate), sampleRate, samples });
  };
  source.connect(node);
  node.connect(context.destination);
  return {
    stop() {
      node.port.postMessage('stop');
      node.port.onmessage = null;
      try {
        source.disconnect(node);
        node.disconnect();
      } catch {
        // already disconnected
      }
    },
  };
}

/** Float32 samples as base64 of their little-endian bytes (runtime messages are JSON only). */
export function floatsToBase64(samples: Float32Array): string {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToFloats(base64: string): Float32Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, bytes.length >> 2);
}
