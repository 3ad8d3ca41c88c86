// The one typed message protocol for every extension context. Message names say their
// direction (`from→to:what`); each has a typed payload and a typed response. Errors travel
// back as an envelope and are rethrown at the caller (webextension-polyfill's pattern), so a
// failure in any hop surfaces where the request was made.
//
// Senders are checked by direction: `content→…` messages must come from a content script
// (a tab), and their handlers get the tab from the browser, never from the payload; every
// other direction must come from one of this extension's own pages, so a web page that
// gets hold of our content script's channel cannot drive the background or the engine.
//
// A handler installed in the same JavaScript realm as the sender is called directly
// (runtime.sendMessage never reaches the sending page itself): on Firefox the background
// page hosts the engine, so `bg→engine:…` and `engine→bg:…` stay in one page there, while
// on Chrome they cross to the offscreen document. Callers never branch on the browser.
import type { EvidenceSummary } from '../core/decision/summary';
import type { SyncState } from '../core/state';
import type { FrameStats, ModelChoice } from '../engine/types';

/** The picture's rectangle in video pixels (what engine.suggestedRegion() returns). */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How a video's pixels and sound reach the engine. */
export type CaptureKind = 'element' | 'tab-capture';

/** A video the content script found, for the popup's list. */
export interface VideoInfo {
  /** Unique per document: a random document id and the discovery order (`k3f9a-v1`, `k3f9a-v2`, …). */
  videoKey: string;
  /** Short description: the file name of its source, or "stream". */
  label: string;
  /** Shown size, CSS pixels. */
  width: number;
  height: number;
  playing: boolean;
}

/** The viewport-relative rectangle of the picture a tab capture is cropped to. */
export interface ViewportRect {
  x: number;
  y: number;
  width: number;
  height: number;
  viewportWidth: number;
  viewportHeight: number;
}

/** PlaybackInfo.src of a `<video>` playing a MediaStream (a call tile): src/content/stream-capture.ts. */
export const STREAM_SRC_PREFIX = 'mediastream:';

/** What the content script knows about the element; every change is sent. */
export interface PlaybackInfo {
  paused: boolean;
  ended: boolean;
  /** A seek is in progress (frames and sound until the next frame belong nowhere). */
  seeking: boolean;
  /** Muted or at volume 0: the element feeds Web Audio nothing but zeros. */
  silenced: boolean;
  rate: number;
  /**
   * The sound keeps its pitch when played faster or slower (HTMLMediaElement.preservesPitch,
   * the browsers' default). Without it a voice at 1.5× is a higher voice, which the model
   * reads as another voice (sped-up files: p(mismatch) up to 0.947 on a genuine clip).
   */
  pitchKept: boolean;
  /** currentSrc; a change is a new source (an ad, the next item). A call's MediaStream: STREAM_SRC_PREFIX and its id. */
  src: string;
  /** Encrypted media (video.mediaKeys): frames read black. */
  protected: boolean;
  /** The tab is hidden: frames stop (rVFC does not run), so sound alone is not kept. */
  hidden: boolean;
  /** Whether the media has sound at all (false: no audio track decoded; null: not known yet). */
  audioTrack: boolean | null;
  /**
   * The video's length when it loops (`loop` set, a finite duration); absent otherwise. A
   * loop never ends: seen whole, the check is judged as if it had (src/offscreen/seen-whole.ts).
   */
  loopDuration?: number;
  /** Where the picture is in the viewport (tab capture crops to it). */
  rect: ViewportRect | null;
  /**
   * Tab capture only: the media time shown at `at` (ms on the wall clock every document
   * shares, performance.timeOrigin + performance.now()). A tab capture is stamped on that
   * clock; the views seek in media time (src/offscreen/timebase.ts).
   */
  clock?: { mediaTime: number; at: number };
}

/** How a check ended, as the content script saw it (the background's session machine decides the phase). */
export type CheckEndReason = 'stopped' | 'failed' | 'video-removed' | 'page-gone' | 'bfcache';

/** A looping video's pass judged on its own evidence: its outcome, and what its evidence said (null: no evidence given). */
export interface LoopPass {
  status: SyncState['status'];
  evidence: { pMismatch: number; offsetFrames: number; evidenceSeconds: number } | null;
}

export interface EngineStats {
  jsHeapBytes: number | null;
  tfTensors: number;
  tfBytes: number;
  backend: string | null;
  sessions: {
    sessionId: string;
    framesAnalysed: number;
    audioSeconds: number;
    status: SyncState['status'];
    /** Where the evidence went: speech, faces, moving mouths, votes. */
    evidence: EvidenceSummary | null;
    /** The lip stride in use and the share of frames lost. */
    frames: FrameStats | null;
    /** A looping video's passes judged each on its own evidence once seen whole (seen-whole.ts). */
    loopPasses: LoopPass[];
  }[];
}

export interface Messages {
  // popup / options → background
  'popup→bg:check-tab': {
    request: { tabId: number };
    response: { videos: number; checking: string | null; message?: string };
  };
  // background → content script (tabs.sendMessage)
  'bg→content:check': { request: { srcUrl?: string }; response: { videos: number; checking: string | null } };
  /** The video this frame would check (chooseVideo), for picking a frame; null without one. */
  'bg→content:candidate': {
    request: Record<string, never>;
    response: { videos: number; best: { area: number; playing: boolean } | null };
  };
  'bg→content:state': { request: { sessionId: string; state: SyncState }; response: Record<string, never> };
  // popup → content script
  'popup→content:check-video': { request: { videoKey: string }; response: { checking: string | null } };
  'popup→content:stop': { request: { videoKey: string }; response: Record<string, never> };
  /** `time` is media time (the video's currentTime, seconds), as the evidence's spans and timeline are. */
  'popup→content:seek': { request: { videoKey: string; time: number }; response: Record<string, never> };
  // content script → background
  'content→bg:hello': { request: Record<string, never>; response: { autoScan: boolean } };
  'content→bg:videos': { request: { videos: VideoInfo[] }; response: Record<string, never> };
  'content→bg:open-session': {
    /** reattach: the session this one continues after the engine host restarted under it. */
    request: {
      videoKey: string;
      capture: CaptureKind;
      playback: PlaybackInfo;
      reattach?: string;
      /**
       * Tab capture is asked for only because the page's AudioContext would not start (the
       * video itself is readable): where there is no tab capture the reason is 'sound-blocked'.
       */
      soundBlocked?: boolean;
    };
    response: { sessionId: string };
  };
  /** Accepted only for a session of the sender's own tab and frame. */
  'content→bg:close-session': {
    request: { sessionId: string; why: CheckEndReason; message?: string };
    response: Record<string, never>;
  };
  /**
   * A frame, chunk or playback report failed: the background asks the engine host whether
   * the session still exists. resume: the host restarted, open the check again (reattach).
   */
  'content→bg:session-error': {
    request: { sessionId: string; message: string };
    response: { resume: boolean };
  };
  // content script → engine host (offscreen document / Firefox background page)
  'content→engine:frame': {
    /** signature: the whole frame's picture signature (src/core/video/shots.ts) for cut detection, since `jpeg` is often a crop. */
    request: {
      sessionId: string;
      mediaTime: number;
      jpeg: string;
      videoWidth: number;
      videoHeight: number;
      region: Region | null;
      signature?: number[];
    };
    /** Where to crop next; accepting false = the engine takes no frames (model unavailable, closed). */
    response: { region: Region | null; accepting: boolean };
  };
  'content→engine:audio': {
    /** pcm: mono float32 little-endian, base64 (runtime messages are JSON only). */
    request: { sessionId: string; mediaTime: number; sampleRate: number; pcm: string };
    response: Record<string, never>;
  };
  'content→engine:playback': {
    request: { sessionId: string; playback: PlaybackInfo };
    response: Record<string, never>;
  };
  // background → engine host
  'bg→engine:open-session': {
    request: {
      sessionId: string;
      tabId: number;
      frameId: number;
      capture: CaptureKind;
      playback: PlaybackInfo;
      /** tabCapture stream id (capture 'tab-capture'), minted by the worker for this tab. */
      streamId?: string;
      /** From the settings (the engine host cannot read storage). */
      model: ModelChoice;
      threshold: number | null;
    };
    response: Record<string, never>;
  };
  'bg→engine:close-session': { request: { sessionId: string }; response: Record<string, never> };
  'bg→engine:close-tab': { request: { tabId: number }; response: Record<string, never> };
  /** The sessions the host holds (the background reconciles its records with them). */
  'bg→engine:sessions': { request: Record<string, never>; response: { sessionIds: string[] } };
  // engine host → background
  'engine→bg:state': {
    /** final: no more evidence will change it (the video ended, or a long pause or the evidence window settled it). */
    request: {
      sessionId: string;
      tabId: number;
      frameId: number;
      state: SyncState;
      final: boolean;
      model: ModelChoice;
      capture: CaptureKind;
    };
    response: Record<string, never>;
  };
  'engine→bg:idle': { request: Record<string, never>; response: Record<string, never> };
  /** The host started (again): the sessions it holds, none after a restart. */
  'engine→bg:hello': { request: { sessionIds: string[] }; response: Record<string, never> };
  // debug (soak, tests): figures from the engine host
  'debug→engine:stats': { request: Record<string, never>; response: EngineStats };
}

export type MessageName = keyof Messages;
export type RequestOf<N extends MessageName> = Messages[N]['request'];
export type ResponseOf<N extends MessageName> = Messages[N]['response'];

export interface Envelope<N extends MessageName = MessageName> {
  name: N;
  payload: RequestOf<N>;
}

type Reply<N extends MessageName> =
  { ok: true; value: ResponseOf<N> } | { ok: false; error: { name: string; message: string } };

export class RemoteError extends Error {
  constructor(
    name: string,
    message: string,
    readonly messageName: string,
  ) {
    super(`${message} (in handler for ${messageName})`);
    this.name = name;
  }
}

export type Handler<N extends MessageName> = (
  payload: RequestOf<N>,
  sender: chrome.runtime.MessageSender,
) => Promise<ResponseOf<N>> | ResponseOf<N>;
export type Handlers = { [N in MessageName]?: Handler<N> };

/** Handlers installed in this realm, for direct calls (see the header). */
const localHandlers: Handlers = {};

const fromContentScript = (name: string) => name.startsWith('content→');

/** The direction rule: content-script messages from tabs, all others from this extension's pages. */
export function senderAllowed(name: string, sender: chrome.runtime.MessageSender): boolean {
  if (sender.id !== chrome.runtime.id) return false;
  const extensionPage = (sender.url ?? '').startsWith(chrome.runtime.getURL(''));
  if (fromContentScript(name)) return sender.tab?.id !== undefined && !extensionPage;
  return extensionPage || sender.tab === undefined;
}

function unwrap<N extends MessageName>(name: N, reply: Reply<N> | undefined): ResponseOf<N> {
  if (!reply) throw new RemoteError('NoHandler', `no context handled ${name}`, name);
  if (!reply.ok) throw new RemoteError(reply.error.name, reply.error.message, name);
  return reply.value;
}

async function callLocal<N extends MessageName>(
  name: N,
  handler: Handler<N>,
  payload: RequestOf<N>,
): Promise<ResponseOf<N>> {
  // Same copy semantics as a real message: JSON in, JSON out.
  const copy = JSON.parse(JSON.stringify(payload)) as RequestOf<N>;
  try {
    const value = await handler(copy, { id: chrome.runtime.id, url: location.href });
    return JSON.parse(JSON.stringify(value ?? {})) as ResponseOf<N>;
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    throw new RemoteError(e.name, e.message, name);
  }
}

/** Sends to the extension's pages and worker (or calls this realm's own handler). */
export async function send<N extends MessageName>(name: N, payload: RequestOf<N>): Promise<ResponseOf<N>> {
  const local = localHandlers[name] as Handler<N> | undefined;
  if (local) return callLocal(name, local, payload);
  const reply = (await chrome.runtime.sendMessage({ name, payload } satisfies Envelope<N>)) as
    Reply<N> | undefined;
  return unwrap(name, reply);
}

/** Sends to the content script of one tab (one frame when frameId is given). */
export async function sendToTab<N extends MessageName>(
  tabId: number,
  name: N,
  payload: RequestOf<N>,
  frameId?: number,
): Promise<ResponseOf<N>> {
  const envelope = { name, payload } satisfies Envelope<N>;
  const reply = (await (frameId === undefined
    ? chrome.tabs.sendMessage(tabId, envelope)
    : chrome.tabs.sendMessage(tabId, envelope, { frameId }))) as Reply<N> | undefined;
  return unwrap(name, reply);
}

/** Installs handlers; each message is accepted only from the sender its direction names. */
export function listen(handlers: Handlers): void {
  Object.assign(localHandlers, handlers);
  chrome.runtime.onMessage.addListener((message: Envelope, sender, sendResponse) => {
    const handler = handlers[message?.name] as
      ((p: unknown, s: chrome.runtime.MessageSender) => unknown) | undefined;
    if (!handler) return false;
    if (!senderAllowed(message.name, sender)) {
      sendResponse({
        ok: false,
        error: {
          name: 'SenderRejected',
          message: `${message.name} is not accepted from ${sender.url ?? 'this sender'}`,
        },
      });
      return false;
    }
    Promise.resolve()
      .then(() => handler(message.payload, sender))
      .then(
        (value) => sendResponse({ ok: true, value: value ?? {} }),
        (error: unknown) => {
          const e = error instanceof Error ? error : new Error(String(error));
          sendResponse({ ok: false, error: { name: e.name, message: e.message } });
        },
      );
    return true;
  });
}
