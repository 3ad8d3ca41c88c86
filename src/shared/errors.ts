// Internal errors in plain words (issue 14, item 5). What fails deep inside — Chrome's
// scripting refusal, a session the restarted engine host no longer knows, a file the
// browser cannot demux — used to reach the user verbatim. Each view now shows the plain,
// translated sentence and keeps the technical text behind a "Details" toggle.
import { t, type MessageKey } from './i18n';

export interface PlainError {
  /** The catalogue key of the plain sentence (stable: tests and views may branch on it); null for a UserFacingError. */
  key: MessageKey | null;
  /** The plain sentence, in the browser's language. */
  text: string;
  /** The original, technical message (shown behind "Details"). */
  detail: string;
}

/** Causes, most specific first: the first pattern that matches the message decides. */
const CAUSES: [RegExp, MessageKey][] = [
  // A user's Stop or Cancel, not a failure.
  [/^(stopped|cancelled)$|\bAbortError\b/i, 'error_cancelled'],
  // The engine host (offscreen document / Firefox background) was closed or restarted under a live session.
  // The engine host died under one check more often than the background re-attaches it (MAX_RESTARTS).
  [/checking engine stopped again/i, 'error_restarted_again'],
  [
    /unknown session|engine host restarted|Receiving end does not exist|Could not establish connection|message port closed|Extension context invalidated|no context handled/i,
    'error_restarted',
  ],
  // chrome.scripting / activeTab refusals: chrome:// pages, the Web Store, other extensions, file:// without access.
  [
    /Cannot access (contents of|a chrome|a chrome-extension)|cannot be scripted|must request permission to access|Missing host permission|The extensions gallery|Cannot access contents/i,
    'error_page_blocked',
  ],
  // A cross-origin picture the page cannot read and tab capture could not help with.
  [/cross-origin|tainted|SecurityError/i, 'error_cross_origin'],
  [/no SyncNet v[24] weights imported/i, 'error_no_weights'],
  [/is gone from the page/i, 'error_video_gone'],
  [/playback stalled/i, 'error_stalled'],
  // The file page: an empty file, or an MP4 whose index was never written (file-source.ts).
  [/the file is empty|the file is cut off/i, 'error_file_incomplete'],
  // The file page: the browser could neither demux nor play the file.
  [
    /not a video format|could not be decoded|not an audio format|has no video track|video decoding failed|unreadable|truncated|Mp4Unsupported|not an ISO BMFF/i,
    'error_file_format',
  ],
  // A bundled file that did not load (the landmarker, wasm, the model).
  [/cannot load|HTTP \d{3}|Failed to fetch|backend failed to initialise/i, 'error_load_failed'],
];

/** An error whose message is already a plain, translated sentence (made with t()): shown as it is. */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

/** The plain sentence for an internal error message, and the message itself as the detail. */
export function plainError(error: unknown): PlainError {
  if (error instanceof UserFacingError) return { key: null, text: error.message, detail: '' };
  const detail = error instanceof Error ? error.message : String(error);
  const key = CAUSES.find(([pattern]) => pattern.test(detail))?.[1] ?? 'error_unknown';
  return { key, text: t(key), detail };
}

// Errors that travel between contexts by name (the protocol's error envelope keeps `name`),
// so a caller can tell them apart from failures.

/** The video's pixels and sound cannot be read by this browser's extension APIs (Firefox: cross-origin without CORS, no tab capture). */
export class VideoUnreadableError extends Error {
  static readonly errorName = 'VideoUnreadable';
  constructor(message: string) {
    super(message);
    this.name = VideoUnreadableError.errorName;
  }
}

export const isVideoUnreadable = (error: unknown): boolean =>
  error instanceof Error && error.name === VideoUnreadableError.errorName;

/**
 * Why a video the extension could not take in is "can't judge": its sound alone, where the
 * page's AudioContext would not start and there is no tab capture to fall back on
 * ('sound-blocked'), or the video itself (another site's, without CORS: 'unreadable').
 */
export const unreadableReason = (soundBlocked: boolean | undefined): 'unreadable' | 'sound-blocked' =>
  soundBlocked ? 'sound-blocked' : 'unreadable';
