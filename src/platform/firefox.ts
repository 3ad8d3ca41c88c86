// Firefox: MV3 background scripts run in an event page that has a DOM, so the engine host
// runs right there (the same module the Chrome offscreen document runs) and no offscreen
// document is needed. Same exports as chrome.ts.
import { engineHostStarted, startEngineHost } from '../offscreen/engine-host';

export const browserName = 'firefox' as const;

export async function ensureEngineHost(): Promise<void> {
  startEngineHost();
}

/** Whether the engine host runs now (without starting it). */
export async function engineHostRunning(): Promise<boolean> {
  return engineHostStarted();
}

export async function closeEngineHost(): Promise<void> {
  // Nothing to close: the engine host lives as long as the background page; its sessions
  // were disposed when they closed.
}

/** Firefox has no tabCapture: a cross-origin video without CORS cannot be read. */
export async function tabCaptureStreamId(_tabId: number): Promise<string> {
  throw new Error("this video is cross-origin without CORS, and Firefox offers extensions no tab capture to read it");
}
