// Popup: opening it (the toolbar button) checks the largest playing video of the tab, and
// shows every video of the tab with its live state from storage.session: verdict, offset,
// confidence, the 31-point distance curve, the timeline of the checked span with its
// coloured spans (click or keys to seek, in media time: the content script sets currentTime), the
// model in use, and can't-judge reasons in plain words.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { offsetWords, type SyncState } from '../core/state';
import { readTab, watchTab, type TabRecord, type VideoRecord } from '../background/tab-store';
import { send, sendToTab } from '../shared/protocol';
import { sessionLook, shownEvidence } from '../shared/state-look';
import { isLive } from '../background/session-machine';
import { DistanceCurve, Timeline } from '../ui/charts';

const MODEL_NAMES = { embedded: 'built-in model', 'syncnet-v2': 'SyncNet v2 (your weights)', 'syncnet-v4': 'SyncNet v4 (your weights)' } as const;
const CAPTURE_NAMES = { element: 'read from the page', 'tab-capture': 'tab capture (cross-origin video)' } as const;

/** The figures, curve and timeline behind a state; the timeline seeks the video (media time). */
function Evidence({ state, onSeek }: { state: SyncState; onSeek: (mediaTime: number) => void }) {
  const evidence = shownEvidence(state);
  if (!evidence) return null;
  return (
    <div class="evidence">
      <p class="figures">
        <b class="offset">{offsetWords(evidence.offsetMs)}</b> · {evidence.evidenceSeconds.toFixed(1)} s of speech
        <span class="muted"> · confidence <span class="confidence">{evidence.confidence.toFixed(2)}</span> (threshold {evidence.threshold})</span>
      </p>
      <DistanceCurve dists={evidence.dists} offsetFrames={evidence.offsetFrames} />
      <Timeline timeline={evidence.timeline} threshold={evidence.threshold} segments={evidence.segments}
        checkedFrom={evidence.checkedFrom} checkedTo={evidence.checkedTo} onSeek={onSeek} />
    </div>
  );
}

function VideoCard({ tabId, video }: { tabId: number; video: VideoRecord }) {
  const [error, setError] = useState<string | null>(null);
  const act = (run: () => Promise<unknown>) => run().then(() => setError(null), (e: Error) => setError(e.message));
  const session = video.session;
  const look = session ? sessionLook(session) : null;
  const checkVideo = () => act(() => sendToTab(tabId, 'popup→content:check-video', { videoKey: video.videoKey }, video.frameId));
  return (
    <section class="video" data-video={video.videoKey} data-status={session?.state.status ?? 'idle'} data-phase={session?.phase ?? 'none'}>
      <header>
        <span class="name" title={video.label}>{video.label}</span>
        <span class="muted"> {video.width}×{video.height}{video.playing ? ' · playing' : ''}</span>
      </header>
      {session && look ? (
        <>
          <p class="state"><span class={`badge ${look.tone}`}>{look.label}</span> {look.sentence}</p>
          <Evidence state={session.state} onSeek={(time) => act(() => sendToTab(tabId, 'popup→content:seek', { videoKey: video.videoKey, time }, video.frameId))} />
          <p class="muted small">{MODEL_NAMES[session.model]} · {CAPTURE_NAMES[session.capture]}</p>
          {isLive(session) && <><button class="stop" onClick={() => act(() => sendToTab(tabId, 'popup→content:stop', { videoKey: video.videoKey }, video.frameId))}>Stop</button>{' '}</>}
          <button class="recheck" onClick={checkVideo}>Check again</button>
        </>
      ) : (
        <button class="check" onClick={checkVideo}>Check this video</button>
      )}
      {error && <p class="error">{error}</p>}
    </section>
  );
}

function Popup() {
  const [tabId, setTabId] = useState<number | null>(null);
  const [record, setRecord] = useState<TabRecord | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    let unwatch = () => {};
    // Test build only: popup.html?tabId=N shows tab N without checking it (the popup opened in a tab, as the tests do).
    const shownTab = typeof __TEST_HOOKS__ !== 'undefined' && __TEST_HOOKS__ ? Number(new URLSearchParams(location.search).get('tabId')) || null : null;
    void (shownTab ? Promise.resolve([{ id: shownTab }]) : chrome.tabs.query({ active: true, currentWindow: true })).then(async ([tab]) => {
      if (tab?.id === undefined) return;
      setTabId(tab.id);
      setRecord(await readTab(tab.id));
      unwatch = watchTab(tab.id, setRecord);
      if (shownTab) return;
      // Opening the popup is the "check this tab" click.
      const reply = await send('popup→bg:check-tab', { tabId: tab.id });
      if (reply.message) setNote(reply.message);
      else if (reply.videos === 0) setNote('No video found in this tab.');
    }).catch((error: Error) => setNote(error.message));
    return () => unwatch();
  }, []);
  const videos = record ? Object.values(record.videos).sort((a, b) => Number(!!b.session) - Number(!!a.session) || b.width * b.height - a.width * a.height) : [];
  return (
    <main>
      <h3>lipsync-lens</h3>
      {videos.length === 0 && <p class="muted">No video checked in this tab yet.</p>}
      {note && <p class="muted note">{note}</p>}
      {tabId !== null && videos.map((video) => <VideoCard key={`${video.frameId}/${video.videoKey}`} tabId={tabId} video={video} />)}
      <p class="muted small blind-spots">
        A sync check cannot catch everything: face swaps that keep the original audio, and generated lip-sync, can pass it.
      </p>
      <p class="small"><a href="../options/options.html" target="_blank">Options</a> · <a href="../options/check.html" target="_blank">Check a file</a></p>
    </main>
  );
}

render(<Popup />, document.getElementById('root')!);
