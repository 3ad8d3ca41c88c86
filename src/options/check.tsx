// Options → "Check a file": the original study's upload form, offline. Drop a video,
// optionally a separate audio file; the engine runs in this page; nothing is uploaded.
// The `check` CLI drives this same page in headless Chromium (automation.ts, in the
// instrumented build dist/chrome-test only), so the CLI and the page can never disagree.
// The model and threshold are the user's settings and imported weights, picked the way the
// live engine host picks them (storedWeightsFor); a weights file chosen here overrides the
// imported ones for this page only. "Export report" saves the HTML report (src/ui/report.ts).
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { createEngine } from '../engine/create';
import { keptLandmarkers } from '../engine/face-tracker';
import { checkFile } from '../engine/file-source';
import { installAutomation, type PageProgress } from './automation';
import { readWeights } from './read-weights';
import type { CheckResult, ModelChoice } from '../engine/types';
import { extensionAssets } from '../shared/assets';
import { DistanceCurve, Timeline } from '../ui/charts';
import { announcement, loadingText, stateLook } from '../shared/state-look';
import { certaintyLine, cutOffLine, evidenceLine, offsetLine, resultFigures } from '../shared/result-figures';
import { spanLines } from '../shared/spans';
import { plainError, type PlainError } from '../shared/errors';
import { localizePage, t } from '../shared/i18n';
import { ErrorMessage, LiveRegion } from '../ui/messages';
import { DEFAULT_SETTINGS, loadSettings, type Settings } from '../shared/settings';
import {
  listWeights,
  OFFICIAL_MODEL_NAMES,
  storedWeightsFor,
  type StoredWeights,
} from '../shared/weights-store';
import { reportFromCheck } from '../ui/report';
import { describeModel, downloadReport, sha256Hex } from '../ui/report-export';

/**
 * Face tracking is loaded once, as the page opens, and kept for every check made here: it is
 * most of an engine's start-up, and a person opening this page is about to check a file.
 */
const landmarkers = keptLandmarkers(extensionAssets());
landmarkers.preload();

/** The CLI's entry points, in the instrumented build only (automation.ts). */
const automation =
  typeof __TEST_HOOKS__ !== 'undefined' && __TEST_HOOKS__ ? installAutomation(landmarkers) : null;

function describeProgress(progress: PageProgress | null): string {
  switch (progress?.phase) {
    case 'loading':
      return loadingText(progress.what);
    case 'opening':
      return t('progress_opening');
    case 'audio':
      return t('progress_audio');
    case 'frames':
      return t('progress_frames', progress.mediaTime.toFixed(1), progress.duration.toFixed(1));
    case 'scoring':
      return t('progress_scoring');
    default:
      return '';
  }
}

/** The words this page adds for the model in use and the export (message catalogue keys). */
const MODEL_TEXT = {
  embedded: () => t('model_embedded'),
  imported: (name: string, file: string, at: number) =>
    t('file_model_imported', name, file, new Date(at).toLocaleDateString()),
  override: (name: string) => t('file_model_override', name),
  missing: (name: string) => t('file_model_missing', name),
  threshold: (value: number) => t('file_model_threshold', String(value)),
  inUse: () => t('file_model_in_use'),
  weightsOverride: () => t('file_weights_override_label'),
  weights: () => t('file_weights_label'),
  exportReport: () => t('button_export_report'),
  exported: (name: string) => t('report_saved', name),
} as const;

const VERDICT_TEXT = {
  real: 'verdict_real',
  shifted: 'verdict_shifted',
  fake: 'verdict_fake',
  'cannot-judge': 'label_cannot_judge',
} as const;

/** The verdict in words (the sentence every view shows), how sure, on how much, and where. */
function ResultView({ result }: { result: CheckResult }) {
  const look = stateLook(result.state);
  const figures = resultFigures(result);
  const certainty = certaintyLine(result, figures.pMismatch);
  const evidence = evidenceLine(figures);
  const cutOff = cutOffLine(result.cutOff);
  const offset = offsetLine(result);
  const spans = spanLines(figures.segments);
  return (
    <section id="result" data-verdict={result.verdict}>
      <h2>
        <span class={`badge ${look.tone}`}>{t(VERDICT_TEXT[result.verdict])}</span>
      </h2>
      {result.state.status === 'cannot-judge' ? (
        <p id="reason">{look.sentence}</p>
      ) : (
        <p id="sentence">{look.sentence}</p>
      )}
      <table class="figures">
        <tbody>
          {certainty && (
            <tr>
              <th scope="row">{t('th_certainty')}</th>
              <td id="certainty">{certainty}</td>
            </tr>
          )}
          {evidence && (
            <tr>
              <th scope="row">{t('th_evidence')}</th>
              <td id="evidence">{evidence}</td>
            </tr>
          )}
          {cutOff && (
            <tr>
              <th scope="row">{t('th_cut_off')}</th>
              <td id="cut-off">{cutOff}</td>
            </tr>
          )}
          {offset && (
            <tr>
              <th scope="row">{t('th_offset')}</th>
              <td>{offset}</td>
            </tr>
          )}
          {result.confidence !== null && (
            <tr>
              <th scope="row">{t('th_confidence')}</th>
              <td>
                {t(
                  'row_confidence',
                  result.confidence.toFixed(3),
                  result.threshold,
                  result.minDist!.toFixed(3),
                )}
              </td>
            </tr>
          )}
          <tr>
            <th scope="row">{t('th_model')}</th>
            <td>{t('row_model', result.model, result.backend, result.landmarking)}</td>
          </tr>
          <tr>
            <th scope="row">{t('th_video')}</th>
            <td>{t('row_video', result.durationS.toFixed(1), result.fps, result.faces.length)}</td>
          </tr>
        </tbody>
      </table>
      {spans.length > 0 && (
        <ul id="spans">
          {spans.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      <DistanceCurve dists={result.dists} offsetFrames={result.offsetFrames} />
      <Timeline
        timeline={result.timeline}
        threshold={result.threshold}
        segments={figures.segments}
        checkedFrom={figures.checkedFrom ?? undefined}
        checkedTo={figures.checkedTo ?? undefined}
      />
    </section>
  );
}

type Imported = Omit<StoredWeights, 'bundle'>;

/** What the page knows about a finished check, for the report. */
interface Checked {
  result: CheckResult;
  video: File;
  audio: File | null;
  bundle: Awaited<ReturnType<typeof storedWeightsFor>>;
  checkedAt: Date;
  userThreshold: boolean;
}

/** "Model in use: …" from the choice, the imported weights and a file chosen here. */
function modelInUse(
  model: ModelChoice,
  imported: Imported[],
  override: File[],
  threshold: number | null,
): string {
  let text: string;
  if (model === 'embedded') text = MODEL_TEXT.embedded();
  else {
    const name = OFFICIAL_MODEL_NAMES[model];
    const stored = imported.find((w) => w.model === model);
    text = override.length
      ? MODEL_TEXT.override(name)
      : stored
        ? MODEL_TEXT.imported(name, stored.fileName, stored.importedAt)
        : MODEL_TEXT.missing(name);
  }
  return threshold === null ? text : `${text}; ${MODEL_TEXT.threshold(threshold)}`;
}

function CheckPage() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [imported, setImported] = useState<Imported[]>([]);
  const [video, setVideo] = useState<File | null>(null);
  const [audio, setAudio] = useState<File | null>(null);
  const [model, setModel] = useState<ModelChoice>('embedded');
  const [weights, setWeights] = useState<File[]>([]);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<PageProgress | null>(null);
  const [fraction, setFraction] = useState(0);
  const [result, setResult] = useState<CheckResult | null>(null);
  const [error, setError] = useState<PlainError | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const checkedRef = useRef<Checked | null>(null);

  // The form appears once the settings are read, so nothing (the CLI included) picks a model
  // that the stored setting would then overwrite.
  useEffect(() => {
    void Promise.all([loadSettings(), listWeights().catch((): Imported[] => [])])
      .catch((): [Settings, Imported[]] => [DEFAULT_SETTINGS, []])
      .then(([loaded, stored]) => {
        setImported(stored);
        setModel(loaded.model);
        setSettings(loaded);
      });
  }, []);

  const report = (p: PageProgress) => {
    setProgress(p);
    if (p.phase === 'frames') setFraction(p.fraction);
    automation?.progress(p);
  };

  const run = async () => {
    if (!video) return;
    setRunning(true);
    setResult(null);
    setError(null);
    setExported(null);
    checkedRef.current = null;
    setFraction(0);
    automation?.result(undefined);
    abort.current = new AbortController();
    let engine: Awaited<ReturnType<typeof createEngine>> | null = null;
    try {
      const bundle =
        model !== 'embedded' && weights.length ? await readWeights(weights) : await storedWeightsFor(model);
      const threshold = settings?.threshold ?? null;
      engine = await createEngine(extensionAssets(), {
        model,
        weights: bundle,
        ...(threshold !== null ? { threshold } : {}),
        mode: 'file',
        tracker: () => landmarkers.tracker(),
        ...automation?.engineOptions(),
        onState: (state) => state.status === 'loading' && report({ phase: 'loading', what: state.what }),
      });
      const checked = await checkFile(
        engine,
        automation?.streamedParts() ?? {
          video,
          videoName: video.name,
          audio: audio ?? undefined,
          audioName: audio?.name,
        },
        { onProgress: report, signal: abort.current.signal },
      );
      checkedRef.current = {
        result: checked,
        video,
        audio,
        bundle,
        checkedAt: new Date(),
        userThreshold: threshold !== null,
      };
      setResult(checked);
      automation?.result(checked);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      setError(plainError(e));
      automation?.result({ error: message });
    } finally {
      engine?.dispose();
      setRunning(false);
      setProgress(null);
    }
  };

  const exportReport = async () => {
    const done = checkedRef.current;
    if (!done) return;
    try {
      const data = reportFromCheck(done.result, {
        checkedAt: done.checkedAt,
        extensionVersion: chrome.runtime.getManifest().version,
        source: {
          kind: 'file',
          file: done.video.name,
          sha256: await sha256Hex(done.video),
          ...(done.audio ? { audio: done.audio.name } : {}),
        },
        model: await describeModel(done.result.model, extensionAssets().embeddedModelBase, done.bundle),
        userThreshold: done.userThreshold,
      });
      setExported(MODEL_TEXT.exported(downloadReport(data)));
    } catch (e) {
      setError(plainError(e));
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    const files = [...(event.dataTransfer?.files ?? [])];
    const videoFile = files.find((f) => f.type.startsWith('video/')) ?? files[0];
    if (videoFile) setVideo(videoFile);
    const audioFile = files.find((f) => f !== videoFile && f.type.startsWith('audio/'));
    if (audioFile) setAudio(audioFile);
  };

  if (!settings)
    return (
      <main>
        <h1>{t('link_check_file')}</h1>
      </main>
    );
  return (
    <main>
      <h1>{t('link_check_file')}</h1>
      <LiveRegion
        text={
          error
            ? t('label_colon_text', t('label_error'), error.text)
            : result
              ? announcement(result.state)
              : running
                ? t('announce_checking')
                : ''
        }
      />
      <p class="muted">{t('file_intro')}</p>
      <div class="dropzone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        <label>
          {t('file_video_label')}{' '}
          <input
            id="video-file"
            type="file"
            accept="video/*,.mp4,.webm,.mov,.mkv,.m4v"
            onChange={(e) => setVideo((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </label>
        <label>
          {t('file_audio_label')}{' '}
          <input
            id="audio-file"
            type="file"
            accept="audio/*,video/*"
            onChange={(e) => setAudio((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </label>
        <p class="muted">{t('file_drop_hint')}</p>
      </div>
      <label>
        {t('file_model_label')}{' '}
        <select
          id="model"
          value={model}
          onChange={(e) => setModel((e.target as HTMLSelectElement).value as ModelChoice)}
        >
          <option value="embedded">{t('model_embedded')}</option>
          <option value="syncnet-v2">{t('model_v2_yours')}</option>
          <option value="syncnet-v4">{t('model_v4_yours')}</option>
        </select>
      </label>
      {model !== 'embedded' && (
        <label>
          {' '}
          {imported.some((w) => w.model === model) ? MODEL_TEXT.weightsOverride() : MODEL_TEXT.weights()}{' '}
          <input
            id="weights-file"
            type="file"
            multiple
            onChange={(e) => setWeights([...((e.target as HTMLInputElement).files ?? [])])}
          />
        </label>
      )}
      <p id="model-in-use" data-model={model}>
        {MODEL_TEXT.inUse()} {modelInUse(model, imported, weights, settings.threshold)}
      </p>
      <p>
        <button id="check" disabled={!video || running} onClick={run}>
          {t('button_check')}
        </button>{' '}
        {running && <button onClick={() => abort.current?.abort()}>{t('button_cancel')}</button>}
      </p>
      {running && (
        <div id="progress">
          <progress
            max={1}
            value={fraction}
            aria-label={describeProgress(progress) || t('announce_checking')}
          />{' '}
          <span>{describeProgress(progress)}</span>
        </div>
      )}
      {error && (
        <ErrorMessage
          id="error"
          error={{ text: t('file_could_not_check', error.text), detail: error.detail }}
        />
      )}
      {result && <ResultView result={result} />}
      {result && (
        <p>
          <button id="export-report" onClick={() => void exportReport()}>
            {MODEL_TEXT.exportReport()}
          </button>{' '}
          {exported && (
            <span id="exported" class="muted">
              {exported}
            </span>
          )}
        </p>
      )}
    </main>
  );
}

localizePage('file_title');
render(<CheckPage />, document.getElementById('root')!);
