// Firefox: MV3 background scripts run in an event page that has a DOM, so the engine is
// hosted there and no offscreen document is needed. Same exports as chrome.ts.
export const browserName = 'firefox' as const;

export async function ensureEngineHost(): Promise<void> {
  // The background page itself hosts the engine.
}

export async function closeEngineHost(): Promise<void> {
  // Nothing to close: the engine's lifetime is the background page's.
}
