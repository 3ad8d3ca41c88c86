// Firefox: MV3 background scripts run in an event page that has a DOM, so the engine host
// runs right there (the same module the Chrome offscreen document runs) and no offscreen
// document is needed. Same exports as chrome.ts.
//
// The event page is unloaded after `extensions.background.idle.timeout` (30 s) without
// extension activity, and a live check keeps its sessions in the page's memory: while
// the video plays, its frames and sound (runtime messages) keep the page alive, but a
// paused video sends nothing and the check would be gone on resume (issue 12). So while
// the host has sessions, the page makes a cheap call into the browser every few seconds:
// an extension API call from the background page resets Firefox's idle timer
// (ExtensionParent's `background-script-reset-idle`, reason "parentApiCall").
import { engineHostStarted, startEngineHost } from '../offscreen/engine-host';
import { VideoUnreadableError } from '../shared/errors';

export const browserName = 'firefox' as const;

/** Well under Firefox's 30 s idle timeout (and the 10 s the Firefox e2e test sets). */
const KEEP_ALIVE_MS = 4_000;

function holdEventPage(): () => void {
  const timer = setInterval(
    () => void chrome.runtime.getPlatformInfo().catch(() => undefined),
    KEEP_ALIVE_MS,
  );
  return () => clearInterval(timer);
}

export async function ensureEngineHost(): Promise<void> {
  startEngineHost({ holdAlive: holdEventPage });
}

/** Whether the engine host runs now (without starting it). */
export async function engineHostRunning(): Promise<boolean> {
  return engineHostStarted();
}

export async function closeEngineHost(): Promise<void> {
  // Nothing to close: the engine host lives as long as the background page; its sessions
  // were disposed when they closed, and with none the page may be unloaded again.
}

/**
 * Firefox has no tabCapture: a cross-origin video without CORS cannot be read by an
 * extension there. The check ends as "can't judge" with that reason (never a verdict on
 * zeros, and the element is never routed through Web Audio, which would silence it).
 */
export async function tabCaptureStreamId(_tabId: number): Promise<string> {
  throw new VideoUnreadableError(
    'Firefox does not let extensions read a video from another site that does not allow it (no CORS), and offers no tab capture',
  );
}
