// AudioWorklet processor (bundled alone as content/capture-worklet.js, loaded with
// audioWorklet.addModule): mixes its input to mono and posts it in chunks with the context
// frame of the chunk's first sample, so the main thread can place it in media time.
// Runs on the audio thread; nothing here touches the page or the extension APIs.

// The AudioWorkletGlobalScope is not in TypeScript's DOM lib.
declare const sampleRate: number;
declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  processor: new (options: { processorOptions?: { chunkSamples?: number } }) => AudioWorkletProcessor,
): void;

/** Main thread ← worklet: one chunk of mono samples. */
export interface WorkletChunk {
  /** Context frame (sample index on the AudioContext's clock) of samples[0]. */
  startFrame: number;
  sampleRate: number;
  samples: Float32Array;
}

class MonoChunker extends AudioWorkletProcessor {
  private readonly size: number;
  private chunk: Float32Array;
  private filled = 0;
  private startFrame = 0;
  private stopped = false;

  constructor(options: { processorOptions?: { chunkSamples?: number } }) {
    super();
    // ~85 ms at 48 kHz: small enough for a live state, large enough to keep messages few.
    this.size = options.processorOptions?.chunkSamples ?? 4096;
    this.chunk = new Float32Array(this.size);
    this.port.onmessage = (event: MessageEvent) => {
      if (event.data === 'stop') this.stopped = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      if (this.filled === 0) this.startFrame = currentFrame + i;
      // ffmpeg -ac 1: the mean of the channels.
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.chunk[this.filled++] = sum / channels.length;
      if (this.filled === this.size) {
        const message: WorkletChunk = { startFrame: this.startFrame, sampleRate, samples: this.chunk };
        // Transferred, so this.chunk is detached now: a fresh one of the kept size.
        this.port.postMessage(message, [this.chunk.buffer]);
        this.chunk = new Float32Array(this.size);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('lipsync-lens-mono-chunker', MonoChunker);
