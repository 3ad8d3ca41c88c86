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
      justification: 'Runs on-device lip-sync analysis (mouth tracking, MFCC, SyncNet) on the video the user asked to check.',
    })
    .finally(() => {
      creating = null;
    });
  await creating;
}

export async function closeEngineHost(): Promise<void> {
  const existing = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] });
  if (existing.length > 0) await chrome.offscreen.closeDocument();
}
