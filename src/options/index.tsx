// Options: auto-scan sites (the offered ones and any the user adds; each granted as an
// optional host permission at the click that picks it, released when it is turned off), sensitivity, model choice, official SyncNet weights (fetched by the user's
// browser, converted here, kept in IndexedDB), and the file page. Settings live in
// storage.local with versioned migrations (src/shared/settings.ts).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { convertCheckpoint } from '../core/convert';
import { encodeWeights } from '../core/convert/weights-bundle';
import type { ModelChoice } from '../engine/types';
import {
  AUTO_SCAN_SITES,
  DEFAULT_SETTINGS,
  loadSettings,
  parseSite,
  saveSettings,
  sitePatterns,
  type Settings,
} from '../shared/settings';
import {
  deleteWeights,
  listWeights,
  putWeights,
  type OfficialModel,
  type StoredWeights,
} from '../shared/weights-store';
import { plainError } from '../shared/errors';
import { localizePage, t, tParts, type MessageKey } from '../shared/i18n';
import { ErrorMessage } from '../ui/messages';

/** syncnet_python's download_model.sh: the official SyncNet v2 checkpoint. */
const OFFICIAL_V2_URL = 'https://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model';

const MODEL_LABELS: Record<ModelChoice, MessageKey> = {
  embedded: 'model_embedded_long',
  'syncnet-v2': 'model_v2_long',
  'syncnet-v4': 'model_v4_long',
};

type Imported = Omit<StoredWeights, 'bundle'>;

function Options() {
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [weights, setWeights] = useState<Imported[]>([]);
  const [message, setMessage] = useState<{ text: string; error?: boolean; detail?: string } | null>(null);
  /** An internal error in plain words, its own text behind "Details". */
  const failed = (error: unknown, text?: string) => {
    const plain = plainError(error);
    setMessage({ text: text ?? plain.text, error: true, detail: plain.detail });
  };
  const [busy, setBusy] = useState(false);
  const [newSite, setNewSite] = useState('');

  const refreshWeights = () => listWeights().then(setWeights, (e: unknown) => failed(e));
  useEffect(() => {
    void loadSettings().then(setSettings);
    void refreshWeights();
  }, []);

  const update = async (patch: Partial<Settings>) => {
    const next = { ...settings, ...patch };
    setSettings(next);
    await saveSettings(next);
  };

  const toggleSite = async (site: string, on: boolean) => {
    const origins = sitePatterns(site);
    try {
      if (on) {
        // Must run in the click's user gesture: the browser asks the user now.
        if (!(await chrome.permissions.request({ origins }))) {
          setMessage({ text: t('options_site_not_granted', site), error: true });
          return;
        }
        await update({ autoScanSites: [...new Set([...settings.autoScanSites, site])] });
      } else {
        // Auto-scan is the only feature that uses host permissions, and no two sites share a
        // pattern: turning a site off releases its access.
        await update({ autoScanSites: settings.autoScanSites.filter((s) => s !== site) });
        await chrome.permissions.remove({ origins });
      }
      setMessage(null);
    } catch (error) {
      failed(error);
    }
  };

  const addSite = (event: Event) => {
    event.preventDefault();
    const site = parseSite(newSite);
    if (!site) {
      setMessage({ text: t('options_not_a_site', newSite.trim()), error: true });
      return;
    }
    setNewSite('');
    // Still inside the submit's user gesture: toggleSite asks for the permission first.
    void toggleSite(site, true);
  };

  /** The offered sites, then the ones the user added (an added site leaves the list when turned off). */
  const sites = [
    ...AUTO_SCAN_SITES,
    ...settings.autoScanSites.filter((site) => !(AUTO_SCAN_SITES as readonly string[]).includes(site)),
  ];

  const importFile = async (file: File) => {
    setBusy(true);
    setMessage({ text: t('options_converting', file.name) });
    try {
      const { model, weights: converted } = convertCheckpoint(
        new Uint8Array(await file.arrayBuffer()),
        file.name,
      );
      const stored = await putWeights(encodeWeights(model, file.name, converted), file.name);
      await refreshWeights();
      setMessage({
        text: t('options_imported', file.name, stored.model === 'syncnet-v2' ? 'SyncNet v2' : 'SyncNet v4'),
      });
    } catch (error) {
      failed(error, t('error_weights_file'));
    } finally {
      setBusy(false);
    }
  };

  const removeWeights = async (model: OfficialModel) => {
    await deleteWeights(model);
    if (settings.model === model) await update({ model: 'embedded' });
    await refreshWeights();
  };

  const available = (model: ModelChoice) => model === 'embedded' || weights.some((w) => w.model === model);

  return (
    <main>
      <h1>{t('ext_name')}</h1>
      <p class="muted">{t('options_intro')}</p>

      <h2>{t('options_autoscan_heading')}</h2>
      <p class="muted">{t('options_autoscan_intro')}</p>
      <div id="sites">
        {sites.map((site) => (
          <label key={site} class="site">
            <input
              type="checkbox"
              name={site}
              checked={settings.autoScanSites.includes(site)}
              onChange={(e) => void toggleSite(site, (e.target as HTMLInputElement).checked)}
            />{' '}
            {site}
          </label>
        ))}
      </div>
      <form id="add-site" class="row" onSubmit={addSite}>
        <label>
          {t('options_add_site')}{' '}
          <input
            id="new-site"
            type="text"
            placeholder="example.com"
            value={newSite}
            onInput={(e) => setNewSite((e.target as HTMLInputElement).value)}
          />
        </label>{' '}
        <button type="submit">{t('button_add')}</button>
      </form>

      <h2>{t('options_model_heading')}</h2>
      {(Object.keys(MODEL_LABELS) as ModelChoice[]).map((model) => (
        <label key={model} class="row">
          <input
            type="radio"
            name="model"
            value={model}
            checked={settings.model === model}
            disabled={!available(model)}
            onChange={() => void update({ model, threshold: null })}
          />{' '}
          {t(MODEL_LABELS[model])}
          {!available(model) && <span class="muted"> — {t('options_import_first')}</span>}
        </label>
      ))}

      <h2>{t('options_sensitivity_heading')}</h2>
      <label class="row">
        {t('options_threshold_label')}{' '}
        <input
          id="threshold"
          type="number"
          step="0.05"
          min="0"
          value={settings.threshold ?? ''}
          placeholder={t('options_threshold_placeholder')}
          onChange={(e) => {
            const value = (e.target as HTMLInputElement).value;
            void update({ threshold: value === '' ? null : Number(value) });
          }}
        />{' '}
        <button disabled={settings.threshold === null} onClick={() => void update({ threshold: null })}>
          {t('button_use_default')}
        </button>
      </label>
      <p class="muted">{t('options_threshold_help')}</p>

      <h2>{t('options_weights_heading')}</h2>
      <p>
        <a id="get-official" href={OFFICIAL_V2_URL} target="_blank" rel="noreferrer">
          {t('options_get_weights')}
        </a>{' '}
        {tParts('options_get_weights_help', <code>syncnet_v2.model</code>)}
      </p>
      <label class="row">
        {tParts('options_import_label', <code>syncnet_v2.model</code>, <code>lipsync_v4_73.mat</code>)}{' '}
        <input
          id="weights-file"
          type="file"
          disabled={busy}
          onChange={(e) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            if (file) void importFile(file);
          }}
        />
      </label>
      <ul id="imported">
        {weights.map((w) => (
          <li key={w.model}>
            {t(
              'options_imported_item',
              w.model === 'syncnet-v2' ? 'SyncNet v2' : 'SyncNet v4',
              w.fileName,
              new Date(w.importedAt).toLocaleString(),
            )}{' '}
            <button onClick={() => void removeWeights(w.model)}>{t('button_remove')}</button>
          </li>
        ))}
      </ul>

      <h2>{t('options_display_heading')}</h2>
      <label class="row">
        <input
          type="checkbox"
          checked={settings.showOverlay}
          onChange={(e) => void update({ showOverlay: (e.target as HTMLInputElement).checked })}
        />{' '}
        {t('options_show_overlay')}
      </label>

      <h2>{t('options_files_heading')}</h2>
      <p>
        <a href="check.html">{t('link_check_file')}</a> {t('options_files_help')}
      </p>

      <div role="status" aria-live="polite">
        {message && (
          <p id="message" class={message.error ? 'error' : 'ok'}>
            {message.text}
          </p>
        )}
        {message?.detail && <ErrorMessage error={{ text: '', detail: message.detail }} />}
      </div>
    </main>
  );
}

localizePage('options_title');
render(<Options />, document.getElementById('root')!);
