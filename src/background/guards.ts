// The background's race and ownership rules, pure so node tests can drive the
// interleavings a real browser produces only by chance (test/background/guards.test.ts):
// - a content script ends or reports on only its own frame's checks;
// - the engine host closes when idle only if no check opened meanwhile;
// - after an engine restart, only checks the host does not hold and that are not still
//   opening are marked lost;
// - a signal that a page went removes only the videos heard of before that signal.
import { isPending } from './session-machine';
import type { TabRecord, VideoRecord } from './tab-store';

/** The video record of `sessionId` if it belongs to the sender's tab record and frame; throws otherwise. */
export function senderVideo(record: TabRecord, frameId: number | undefined, sessionId: string): VideoRecord {
  const video = Object.values(record.videos).find((v) => v.session?.sessionId === sessionId);
  if (!video || video.frameId !== (frameId ?? 0)) {
    const error = new Error(`session ${sessionId} is not one of this frame's checks`);
    error.name = 'SenderRejected';
    throw error;
  }
  return video;
}

/**
 * Whether the engine host may close on its idle message. The host asks a minute after its
 * last session closed, but a check may have opened since: its open-session still in flight
 * (`opening`, read before and after asking the host, since an open can start while the
 * host answers), or already held. A host that could not be asked (null) holds nothing
 * this worker can reach.
 */
export async function idleHostMayClose(
  opening: ReadonlySet<string>,
  heldSessions: () => Promise<string[] | null>,
): Promise<boolean> {
  if (opening.size > 0) return false;
  const held = await heldSessions();
  return opening.size === 0 && (held === null || held.length === 0);
}

/**
 * Pending checks whose engine session is gone: not held by the (restarted) host, and not
 * opening — neither when the held list was taken (`openingThen`) nor now (an open that
 * started while the records were read; a host's first hello arrives while its first open
 * is in flight).
 */
export function lostSessions(
  records: readonly TabRecord[],
  held: readonly string[],
  openingThen: ReadonlySet<string>,
  openingNow: ReadonlySet<string>,
): { tabId: number; sessionId: string }[] {
  const lost: { tabId: number; sessionId: string }[] = [];
  for (const record of records) {
    for (const video of Object.values(record.videos)) {
      const session = video.session;
      if (!session || !isPending(session)) continue;
      const id = session.sessionId;
      if (held.includes(id) || openingThen.has(id) || openingNow.has(id)) continue;
      lost.push({ tabId: record.tabId, sessionId: id });
    }
  }
  return lost;
}

/**
 * Removes from `record` the videos a "this page went" signal ends — those of `ofDocument`
 * that the page last reported before the signal was dispatched (`signalAt`, the worker's
 * Date.now() when its listener ran) — and returns them. The handler reads the records
 * later than the signal (it awaits storage), and a page restored from the back/forward
 * cache reports its videos and opens a check within milliseconds of its navigation
 * (measured: 10–40 ms after tabs.onUpdated's "loading"); under load those can land first,
 * and before this rule the late handler removed the restored page's listing and check
 * (test/e2e/live-bfcache.test.ts failed so in CI once). A video heard of after the signal is
 * the page now shown. A record without `heardAt` (stored by an older version) is removed.
 */
export function removeHeardBefore(
  record: TabRecord,
  signalAt: number,
  ofDocument: (video: VideoRecord) => boolean = () => true,
): VideoRecord[] {
  const removed: VideoRecord[] = [];
  for (const [key, video] of Object.entries(record.videos)) {
    if (!ofDocument(video) || !heardBefore(video, signalAt)) continue;
    removed.push(video);
    delete record.videos[key];
  }
  return removed;
}

/**
 * Whether a "this page went" signal dispatched at `signalAt` may end `video` (see
 * removeHeardBefore). Strictly before: a report in the signal's own millisecond is kept — a
 * stale listing costs a line in the popup, a removed one the check the user just started.
 */
export const heardBefore = (video: VideoRecord, signalAt: number) => (video.heardAt ?? 0) < signalAt;
