// The one place that touches Web Audio for capture: an AudioWorklet (never the deprecated
// ScriptProcessor) fed by a source node, delivering mono chunks stamped with the
// performance.now() time at which the graph took them from its source — not when they are
// heard, which is later by the output device's latency (Bluetooth headphones: 150–300 ms).
// Used by the content script (a media element's sound) and by the engine host (a tab
// capture's sound), so both paths place sound the same way.
import type { WorkletChunk } from './capture-worklet';

export const WORKLET_PATH = 'content/capture-worklet.js';
const PROCESSOR = 'lipsync-lens-mono-chunker';

export interface TappedChunk {
  /** performance.now() (ms) at which the graph took samples[0] from its source. */
  takenAt: number;
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

/** What a context says about its output clock, read at one moment. */
export interface OutputClock {
  /** getOutputTimestamp(): the context time being heard at performanceTime (ms); absent before the first output. */
  stamp: { contextTime?: number; performanceTime?: number };
  /** Seconds from the destination to the speaker (outputLatency) and inside the context (baseLatency). */
  outputLatency: number;
  baseLatency: number;
  /** currentTime and performance.now() (ms), read together. */
  currentTime: number;
  now: number;
}

/**
 * Context time → performance.now() (ms) at which the graph processed it: when it is heard
 * less the latency after the graph. getOutputTimestamp and outputLatency both carry the
 * output device's delay (Chromium takes both from the device's reported delay), so it
 * cancels here. Before the first output there is no stamp: the context renders
 * currentTime about now.
 */
export function processedAt(clock: OutputClock, contextTime: number): number {
  const { stamp } = clock;
  if (stamp.contextTime !== undefined && stamp.performanceTime !== undefined && stamp.performanceTime > 0) {
    const heardAt = stamp.performanceTime + (contextTime - stamp.contextTime) * 1000;
    return heardAt - (clock.outputLatency + clock.baseLatency) * 1000;
  }
  return clock.now + (contextTime - clock.currentTime) * 1000;
}

function outputClock(context: AudioContext): OutputClock {
  return {
    stamp: context.getOutputTimestamp(),
    outputLatency: context.outputLatency || 0,
    baseLatency: context.baseLatency || 0,
    currentTime: context.currentTime,
    now: performance.now(),
  };
}

export interface AudioTap {
  stop(): void;
}

/** Taps `source` (which the caller keeps connected to the destination, so it stays audible). */
export async function tapAudio(
  context: AudioContext,
  source: AudioNode,
  workletUrl: string,
  onChunk: (chunk: TappedChunk) => void,
): Promise<AudioTap> {
  await loadWorklet(context, workletUrl);
  // One silent output wired to the destination: a node nothing pulls from is not run
  // reliably (measured: a zero-output node delivered one chunk, then stopped).
  const node = new AudioWorkletNode(context, PROCESSOR, {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
  });
  node.port.onmessage = (event: MessageEvent<WorkletChunk>) => {
    const { startFrame, sampleRate, samples } = event.data;
    // A copy made in this script's own realm: in a Firefox content script the chunk belongs
    // to the page's realm (the page's AudioContext), and typed-array methods on it (the
    // species lookup of subarray) are refused through the Xray ("Permission denied to
    // access property constructor").
    onChunk({
      takenAt: processedAt(outputClock(context), startFrame / sampleRate),
      sampleRate,
      samples: new Float32Array(samples),
    });
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
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToFloats(base64: string): Float32Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Float32Array(bytes.buffer, 0, bytes.length >> 2);
}
