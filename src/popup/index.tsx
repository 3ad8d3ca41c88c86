// Popup: opening it (the toolbar button) checks the largest playing video of the tab, and
// shows every video of the tab with its live state from storage.session: verdict, offset,
// confidence, the 31-point distance curve, the timeline of the checked span with its
// coloured spans (click or keys to seek, in media time: the content script sets currentTime), the
// model in use, and can't-judge reasons in plain words.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SyncState } from '../core/state';
import { readTab, watchTab, type TabRecord, type VideoRecord } from '../background/tab-store';
import { plainError, type PlainError } from '../shared/errors';
import { localizePage, t, type MessageKey } from '../shared/i18n';
import { send, sendToTab } from '../shared/protocol';
import { announcement, headlineState, offsetText, sessionLook, shownEvidence } from '../shared/state-look';
import { isLive } from '../background/session-machine';
import { DistanceCurve, Timeline } from '../ui/charts';
import { ErrorMessage, LiveRegion } from '../ui/messages';
import { extensionAssets } from '../shared/assets';
import { loadSettings } from '../shared/settings';
import { getWeights } from '../shared/weights-store';
import { reportFromState } from '../ui/report';
import { describeModel, downloadReport } from '../ui/report-export';

const MODEL_NAMES: Record<string, MessageKey> = {
  embedded: 'model_embedded_short',
  'syncnet-v2': 'model_v2_yours',
  'syncnet-v4': 'model_v4_yours',
};
const CAPTURE_NAMES: Record<string, MessageKey> = {
  element: 'capture_element',
  'tab-capture': 'capture_tab',
};

/** The figures, curve and timeline behind a state; the timeline seeks the video (media time). */
function Evidence({ state, onSeek }: { state: SyncState; onSeek: (mediaTime: number) => void }) {
  const evidence = shownEvidence(state);
  if (!evidence) return null;
  return (
    <div class="evidence">
      <p class="figures">
        <b class="offset">{offsetText(evidence.offsetMs)}</b> ·{' '}
        {t('popup_speech_seconds', evidence.evidenceSeconds.toFixed(1))}
        <span class="muted">
          {' '}
          · {t('popup_confidence')} <span class="confidence">{evidence.confidence.toFixed(2)}</span>{' '}
          {t('popup_threshold', evidence.threshold)}
        </span>
      </p>
      <DistanceCurve dists={evidence.dists} offsetFrames={evidence.offsetFrames} />
      <Timeline
        timeline={evidence.timeline}
        threshold={evidence.threshold}
        segments={evidence.segments}
        checkedFrom={evidence.checkedFrom}
        checkedTo={evidence.checkedTo}
        onSeek={onSeek}
      />
    </div>
  );
}

/** The report of this video's check as the popup shows it: its state, the page's address (tabs API) and the time of that state. */
async function exportReport(tabId: number, video: VideoRecord): Promise<void> {
  const session = video.session!;
  const [tab, settings, stored] = await Promise.all([
    chrome.tabs.get(tabId).catch(() => null),
    loadSettings(),
    session.model === 'embedded' ? null : getWeights(session.model).catch(() => null),
  ]);
  downloadReport(
    reportFromState(session.state, {
      checkedAt: new Date(session.updatedAt),
      extensionVersion: chrome.runtime.getManifest().version,
      // The address needs the activeTab grant of the toolbar click (or a host permission); without it, none.
      source: { kind: 'page', url: tab?.url ?? null, video: video.label },
      model: await describeModel(session.model, extensionAssets().embeddedModelBase, stored?.bundle),
      userThreshold: settings.threshold !== null,
    }),
  );
}

function VideoCard({ tabId, video }: { tabId: number; video: VideoRecord }) {
  const [error, setError] = useState<PlainError | null>(null);
  const act = (run: () => Promise<unknown>) =>
    run().then(
      () => setError(null),
      (e: unknown) => setError(plainError(e)),
    );
  const session = video.session;
  const look = session ? sessionLook(session) : null;
  const checkVideo = () =>
    act(() => sendToTab(tabId, 'popup→content:check-video', { videoKey: video.videoKey }, video.frameId));
  return (
    <section
      class="video"
      data-video={video.videoKey}
      data-status={session?.state.status ?? 'idle'}
      data-phase={session?.phase ?? 'none'}
    >
      <header>
        <span class="name" title={video.label}>
          {video.label}
        </span>
        <span class="muted">
          {' '}
          {video.width}×{video.height}
          {video.playing ? ` · ${t('popup_playing')}` : ''}
        </span>
      </header>
      {session && look ? (
        <>
          <p class="state">
            <span class={`badge ${look.tone}`}>{look.label}</span> {look.sentence}
          </p>
          {look.detail && <ErrorMessage error={{ text: '', detail: look.detail }} />}
          <Evidence
            state={session.state}
            onSeek={(time) =>
              act(() =>
                sendToTab(tabId, 'popup→content:seek', { videoKey: video.videoKey, time }, video.frameId),
              )
            }
          />
          <p class="muted small">
            {t(MODEL_NAMES[session.model])} · {t(CAPTURE_NAMES[session.capture])}
          </p>
          {isLive(session) && (
            <>
              <button
                class="stop"
                onClick={() =>
                  act(() =>
                    sendToTab(tabId, 'popup→content:stop', { videoKey: video.videoKey }, video.frameId),
                  )
                }
              >
                {t('button_stop')}
              </button>{' '}
            </>
          )}
          <button class="recheck" onClick={checkVideo}>
            {t('button_check_again')}
          </button>{' '}
          {(shownEvidence(session.state) || session.state.status === 'cannot-judge') && (
            <button class="export-report" onClick={() => act(() => exportReport(tabId, video))}>
              {t('button_export_report')}
            </button>
          )}
        </>
      ) : (
        <button class="check" onClick={checkVideo}>
          {t('button_check_video')}
        </button>
      )}
      {error && <ErrorMessage error={error} />}
    </section>
  );
}

function Popup() {
  const [tabId, setTabId] = useState<number | null>(null);
  const [record, setRecord] = useState<TabRecord | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [failure, setFailure] = useState<PlainError | null>(null);
  useEffect(() => {
    let unwatch = () => {};
    // Test build only: popup.html?tabId=N shows tab N without checking it (the popup opened in a tab, as the tests do).
    const shownTab =
      typeof __TEST_HOOKS__ !== 'undefined' && __TEST_HOOKS__
        ? Number(new URLSearchParams(location.search).get('tabId')) || null
        : null;
    void (
      shownTab
        ? Promise.resolve([{ id: shownTab }])
        : chrome.tabs.query({ active: true, currentWindow: true })
    )
      .then(async ([tab]) => {
        if (tab?.id === undefined) return;
        setTabId(tab.id);
        setRecord(await readTab(tab.id));
        unwatch = watchTab(tab.id, setRecord);
        if (shownTab) return;
        // Opening the popup is the "check this tab" click.
        const reply = await send('popup→bg:check-tab', { tabId: tab.id });
        // The background's message is why the page could not be checked (Chrome's words).
        if (reply.message) setFailure(plainError(reply.message));
        else if (reply.videos === 0) setNote(t('popup_no_video_found'));
      })
      .catch((error: unknown) => setFailure(plainError(error)));
    return () => unwatch();
  }, []);
  const videos = record
    ? Object.values(record.videos).sort(
        (a, b) => Number(!!b.session) - Number(!!a.session) || b.width * b.height - a.width * a.height,
      )
    : [];
  const headline = headlineState(videos.flatMap((v) => (v.session ? [v.session.state] : [])));
  return (
    <main>
      <h1>{t('ext_name')}</h1>
      <LiveRegion
        text={failure ? t('label_colon_text', t('label_error'), failure.text) : announcement(headline)}
      />
      {videos.length === 0 && <p class="muted">{t('popup_none_checked')}</p>}
      {note && <p class="muted note">{note}</p>}
      {failure && (
        <div class="note">
          <ErrorMessage error={failure} />
        </div>
      )}
      {tabId !== null &&
        videos.map((video) => (
          <VideoCard key={`${video.frameId}/${video.videoKey}`} tabId={tabId} video={video} />
        ))}
      <p class="muted small blind-spots">{t('popup_blind_spots')}</p>
      <p class="small">
        <a href="../options/options.html" target="_blank">
          {t('link_options')}
        </a>{' '}
        ·{' '}
        <a href="../options/check.html" target="_blank">
          {t('link_check_file')}
        </a>
      </p>
    </main>
  );
}

localizePage('ext_name');
render(<Popup />, document.getElementById('root')!);
