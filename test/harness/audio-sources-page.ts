// In-browser harness for test/engine/webcodecs-audio.test.ts: one file's sound through both
// audio paths of src/engine/file-source.ts — AudioDecoder a slice at a time
// (src/engine/webcodecs-audio.ts) and decodeAudioData whole, placed where the container
// says it plays (src/engine/audio-start.ts) — each into the engine's own
// AudioSegment (mono 16 kHz int16), returned as plain arrays for the test to compare.
import { AudioSegment } from '../../src/engine/audio-segment';
import { forEachWholeSoundChunk } from '../../src/engine/file-source';
import { forEachDecodedAudio } from '../../src/engine/webcodecs-audio';

export interface AudioRun {
  /** 'webcodecs: N chunks', or why it declined. */
  source: string;
  startTime: number | null;
  pcm: number[];
}

async function runAudio(url: string): Promise<{ streamed: AudioRun; whole: AudioRun }> {
  const blob = await (await fetch(url)).blob();
  const streamedSegment = new AudioSegment();
  const outcome = await forEachDecodedAudio(blob, (chunk) => streamedSegment.push(chunk), {
    cancelled: () => new Error('cancelled'),
    failed: (message) => new Error(message),
  });
  streamedSegment.flush();
  const wholeSegment = new AudioSegment();
  const whole = await forEachWholeSoundChunk(blob, (chunk) => wholeSegment.push(chunk));
  wholeSegment.flush();
  const run = (segment: AudioSegment, source: string): AudioRun => ({
    source,
    startTime: segment.startTime,
    pcm: Array.from(segment.pcm()),
  });
  return {
    streamed: run(
      streamedSegment,
      outcome.decoded ? `webcodecs: ${outcome.chunks} chunks` : `declined: ${outcome.reason}`,
    ),
    whole: run(wholeSegment, whole ? 'decodeAudioData' : 'no audio'),
  };
}

Object.assign(window, { runAudio, harnessReady: true });
