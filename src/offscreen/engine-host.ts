// The engine host: live sessions (one per checked video) keyed by id, fed by content
// scripts (JPEG crops and audio chunks) or by a tab capture here. Runs in the offscreen
// document on Chrome and in the background page on Firefox (src/platform), with the same
// messages either way. Content-script messages are accepted only for sessions of the tab
// and frame they come from.
import * as tf from '@tensorflow/tfjs';
import type { SyncState } from '../core/state';
import { base64ToFloats } from '../content/audio-tap';
import { extensionAssets } from '../shared/assets';
import { listen, send, type EngineStats, type Region } from '../shared/protocol';
import { storedWeightsFor as loadWeights } from '../shared/weights-store';
import { LiveSession } from './session';
import { TabCapture } from './tab-capture';

/** With no session for this long the host asks to be closed (memory back to the browser). */
const IDLE_CLOSE_MS = 60_000;

interface HostedSession {
  session: LiveSession;
  capture: TabCapture | null;
}

/** JPEG data URL → ImageBitmap (fetch of a data: URL is blocked by connect-src 'self'). */
async function decodeJpeg(dataUrl: string): Promise<ImageBitmap> {
  const comma = dataUrl.indexOf(',');
  if (!dataUrl.startsWith('data:image/') || comma < 0) throw new Error('frame is not an image data URL');
  const binary = atob(dataUrl.slice(comma + 1));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return createImageBitmap(new Blob([bytes], { type: dataUrl.slice(5, dataUrl.indexOf(';')) }));
}

export interface EngineHostOptions {
  /**
   * Keeps the page hosting the engine alive from the first open session until the last one
   * closes; returns the release. Firefox hosts the engine in its background event page,
   * which it unloads after 30 s without extension activity — a paused video sends nothing
   * (src/platform/firefox.ts). Chrome's offscreen document needs none.
   */
  holdAlive?: () => () => void;
}

let started = false;

export const engineHostStarted = () => started;

export function startEngineHost(options: EngineHostOptions = {}): void {
  if (started) return;
  started = true;
  const sessions = new Map<string, HostedSession>();
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let releaseHold: (() => void) | null = null;

  const armIdle = () => {
    clearTimeout(idleTimer);
    if (sessions.size > 0) return;
    releaseHold?.();
    releaseHold = null;
    idleTimer = setTimeout(() => {
      if (sessions.size === 0) void send('engine→bg:idle', {}).catch(() => undefined);
    }, IDLE_CLOSE_MS);
  };

  const owned = (sessionId: string, sender: chrome.runtime.MessageSender): LiveSession => {
    const hosted = sessions.get(sessionId);
    if (!hosted) throw new Error(`unknown session ${sessionId} (closed, or the engine host restarted)`);
    if (hosted.session.tabId !== sender.tab?.id || hosted.session.frameId !== (sender.frameId ?? 0)) {
      throw new Error(`session ${sessionId} belongs to another tab or frame`);
    }
    return hosted.session;
  };

  const close = async (sessionId: string) => {
    const hosted = sessions.get(sessionId);
    if (!hosted) return;
    sessions.delete(sessionId);
    hosted.capture?.stop();
    await hosted.session.close();
    armIdle();
  };

  listen({
    'bg→engine:open-session': async (request) => {
      await close(request.sessionId);
      clearTimeout(idleTimer);
      const reportState = (state: SyncState, final: boolean) =>
        void send('engine→bg:state', {
          sessionId: request.sessionId,
          tabId: request.tabId,
          frameId: request.frameId,
          state,
          final,
          model: request.model,
          capture: request.capture,
        }).catch(() => undefined);
      const session = new LiveSession(
        {
          sessionId: request.sessionId,
          tabId: request.tabId,
          frameId: request.frameId,
          capture: request.capture,
          model: request.model,
          threshold: request.threshold,
          assets: extensionAssets(),
          loadWeights,
          onState: reportState,
        },
        request.playback,
      );
      const hosted: HostedSession = { session, capture: null };
      sessions.set(request.sessionId, hosted);
      releaseHold ??= options.holdAlive?.() ?? null;
      if (request.capture === 'tab-capture') {
        if (!request.streamId) throw new Error('tab capture needs a stream id');
        let region: Region | null = null;
        try {
          hosted.capture = await TabCapture.start(request.streamId, {
            region: () => region,
            rect: () => session.playbackRect,
            onFrame: async (frame) => {
              region = await session.frame({
                mediaTime: frame.time,
                image: frame.image,
                videoWidth: frame.videoWidth,
                videoHeight: frame.videoHeight,
                ...(frame.region ? { region: frame.region } : {}),
                signature: frame.signature,
              });
            },
            onAudio: (time, sampleRate, samples) => void session.audio(time, sampleRate, samples),
          });
        } catch (error) {
          await close(request.sessionId);
          throw error;
        }
      }
      return {};
    },
    'bg→engine:close-session': async ({ sessionId }) => {
      await close(sessionId);
      return {};
    },
    'bg→engine:sessions': () => ({ sessionIds: [...sessions.keys()] }),
    'bg→engine:close-tab': async ({ tabId }) => {
      await Promise.all(
        [...sessions.values()]
          .filter((h) => h.session.tabId === tabId)
          .map((h) => close(h.session.sessionId)),
      );
      return {};
    },
    'content→engine:frame': async (request, sender) => {
      const session = owned(request.sessionId, sender);
      if (!session.accepting) return { region: null, accepting: false };
      const image = await decodeJpeg(request.jpeg);
      try {
        const region = await session.frame({
          mediaTime: request.mediaTime,
          image,
          videoWidth: request.videoWidth,
          videoHeight: request.videoHeight,
          ...(request.region ? { region: request.region } : {}),
          ...(request.signature ? { signature: request.signature } : {}),
        });
        return { region, accepting: session.accepting };
      } finally {
        image.close();
      }
    },
    'content→engine:audio': async (request, sender) => {
      const session = owned(request.sessionId, sender);
      await session.audio(request.mediaTime, request.sampleRate, base64ToFloats(request.pcm));
      return {};
    },
    'content→engine:playback': async (request, sender) => {
      const session = owned(request.sessionId, sender);
      await session.updatePlayback(request.playback);
      return {};
    },
  });
  // Figures for the soak and the e2e tests: the test build only (issue 11, item 6).
  if (typeof __TEST_HOOKS__ !== 'undefined' && __TEST_HOOKS__) {
    listen({
      'debug→engine:stats': (): EngineStats => {
        // With --js-flags=--expose-gc (the soak), the heap is read after a full collection.
        (globalThis as { gc?: () => void }).gc?.();
        const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
        const tfMemory = tf.memory();
        return {
          jsHeapBytes: memory?.usedJSHeapSize ?? null,
          tfTensors: tfMemory.numTensors,
          tfBytes: tfMemory.numBytes,
          backend: tf.getBackend() ?? null,
          sessions: [...sessions.values()].map(({ session }) => ({
            sessionId: session.sessionId,
            framesAnalysed: session.framesAnalysed,
            audioSeconds: session.audioSeconds,
            status: session.state.status,
            evidence: session.evidenceSummary(),
            frames: session.frameStats(),
            loopPasses: [...session.loopPasses],
          })),
        };
      },
    });
  }
  armIdle();
  // A (re)started host holds no sessions: the background ends checks that lost theirs.
  void send('engine→bg:hello', { sessionIds: [...sessions.keys()] }).catch(() => undefined);
}
