// Chrome: the engine lives in an offscreen document (MV3 service workers have no DOM,
// WebGL or media elements). Only one offscreen document may exist per extension, so
// creation is guarded with runtime.getContexts and de-duplicated while in flight.
// src/platform/firefox.ts has the same exports.
export const browserName = 'chrome' as const;

const ENGINE_PAGE = 'offscreen/offscreen.html';
let creating: Promise<void> | null = null;

export async function ensureEngineHost(): Promise<void> {
  const url = chrome.runtime.getURL(ENGINE_PAGE);
  const existing = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [url],
  });
  if (existing.length > 0) return;
  creating ??= chrome.offscreen
    .createDocument({
      url: ENGINE_PAGE,
      reasons: [chrome.offscreen.Reason.USER_MEDIA, chrome.offscreen.Reason.AUDIO_PLAYBACK],
      justification:
        'Runs on-device lip-sync analysis (mouth tracking, MFCC, SyncNet) on the video the user asked to check.',
    })
    .finally(() => {
      creating = null;
    });
  await creating;
}

/** Whether the engine host runs now (without starting it). */
export async function engineHostRunning(): Promise<boolean> {
  const existing = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
  });
  return existing.length > 0;
}

export async function closeEngineHost(): Promise<void> {
  const existing = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
  });
  if (existing.length > 0) await chrome.offscreen.closeDocument();
}

/**
 * A tab capture stream id for the engine host to consume (cross-origin videos). Needs the
 * user's invocation on that tab (toolbar button or context menu: activeTab).
 */
export async function tabCaptureStreamId(tabId: number): Promise<string> {
  try {
    // @types/chrome declares only the callback form; Chrome 116+ also returns a promise.
    const getId = chrome.tabCapture.getMediaStreamId as unknown as (
      options: chrome.tabCapture.GetMediaStreamOptions,
    ) => Promise<string>;
    return await getId({ targetTabId: tabId });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `this video is cross-origin and the tab cannot be captured (${reason}); click the toolbar button on this tab to check it`,
    );
  }
}
