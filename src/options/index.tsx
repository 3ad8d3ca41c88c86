// Options: auto-scan sites (the offered ones and any the user adds; each granted as an
// optional host permission at the click that picks it, released when it is turned off), sensitivity, model choice, official SyncNet weights (fetched by the user's
// browser, converted here, kept in IndexedDB), and the file page. Settings live in
// storage.local with versioned migrations (src/shared/settings.ts).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { convertCheckpoint } from '../core/convert';
import { encodeWeights } from '../core/convert/weights-bundle';
import type { ModelChoice } from '../engine/types';
import { AUTO_SCAN_SITES, DEFAULT_SETTINGS, loadSettings, parseSite, saveSettings, sitePatterns, type Settings } from '../shared/settings';
import { deleteWeights, listWeights, putWeights, type OfficialModel, type StoredWeights } from '../shared/weights-store';

/** syncnet_python's download_model.sh: the official SyncNet v2 checkpoint. */
const OFFICIAL_V2_URL = 'https://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model';

const MODEL_LABELS: Record<ModelChoice, string> = {
  embedded: 'Built-in model (ships with the extension)',
  'syncnet-v2': 'SyncNet v2 (official weights you import)',
  'syncnet-v4': 'SyncNet v4 (official weights you import, MATLAB v7.3 .mat)',
};

type Imported = Omit<StoredWeights, 'bundle'>;

function Options() {
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const [weights, setWeights] = useState<Imported[]>([]);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const [newSite, setNewSite] = useState('');

  const refreshWeights = () => listWeights().then(setWeights, (e: Error) => setMessage({ text: e.message, error: true }));
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
          setMessage({ text: `Auto-scan on ${site} needs access to ${site}; it was not granted.`, error: true });
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
      setMessage({ text: (error as Error).message, error: true });
    }
  };

  const addSite = (event: Event) => {
    event.preventDefault();
    const site = parseSite(newSite);
    if (!site) {
      setMessage({ text: `"${newSite.trim()}" is not a site: enter a host name such as example.com.`, error: true });
      return;
    }
    setNewSite('');
    // Still inside the submit's user gesture: toggleSite asks for the permission first.
    void toggleSite(site, true);
  };

  /** The offered sites, then the ones the user added (an added site leaves the list when turned off). */
  const sites = [...AUTO_SCAN_SITES, ...settings.autoScanSites.filter((site) => !(AUTO_SCAN_SITES as readonly string[]).includes(site))];

  const importFile = async (file: File) => {
    setBusy(true);
    setMessage({ text: `Converting ${file.name}…` });
    try {
      const { model, weights: converted } = convertCheckpoint(new Uint8Array(await file.arrayBuffer()), file.name);
      const stored = await putWeights(encodeWeights(model, file.name, converted), file.name);
      await refreshWeights();
      setMessage({ text: `Imported ${file.name} as ${stored.model === 'syncnet-v2' ? 'SyncNet v2' : 'SyncNet v4'}; it is stored on this computer only.` });
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
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
      <h1>lipsync-lens</h1>
      <p class="muted">Everything is checked on this computer; nothing is uploaded.</p>

      <h2>Auto-scan</h2>
      <p class="muted">Check videos automatically as they play on these sites. Off until you pick one; the browser asks for access to each site you pick.</p>
      <div id="sites">
        {sites.map((site) => (
          <label key={site} class="site">
            <input type="checkbox" name={site} checked={settings.autoScanSites.includes(site)}
              onChange={(e) => void toggleSite(site, (e.target as HTMLInputElement).checked)} /> {site}
          </label>
        ))}
      </div>
      <form id="add-site" class="row" onSubmit={addSite}>
        <label>Add a site: <input id="new-site" type="text" placeholder="example.com" value={newSite}
          onInput={(e) => setNewSite((e.target as HTMLInputElement).value)} /></label>{' '}
        <button type="submit">Add</button>
      </form>

      <h2>Model</h2>
      {(Object.keys(MODEL_LABELS) as ModelChoice[]).map((model) => (
        <label key={model} class="row">
          <input type="radio" name="model" value={model} checked={settings.model === model} disabled={!available(model)}
            onChange={() => void update({ model, threshold: null })} /> {MODEL_LABELS[model]}
          {!available(model) && <span class="muted"> — import weights first</span>}
        </label>
      ))}

      <h2>Sensitivity</h2>
      <label class="row">
        Confidence threshold:{' '}
        <input id="threshold" type="number" step="0.05" min="0" value={settings.threshold ?? ''} placeholder="model default"
          onChange={(e) => {
            const value = (e.target as HTMLInputElement).value;
            void update({ threshold: value === '' ? null : Number(value) });
          }} />{' '}
        <button disabled={settings.threshold === null} onClick={() => void update({ threshold: null })}>Use the model's default</button>
      </label>
      <p class="muted">Empty: the model's own default (its model card gives it; SyncNet's is 3.5, from the VidTIMIT study). Higher asks for stronger evidence before calling a video real; lower calls more videos real.</p>

      <h2>Official SyncNet weights</h2>
      <p>
        <a id="get-official" href={OFFICIAL_V2_URL} target="_blank" rel="noreferrer">Get official SyncNet weights</a> — your browser downloads{' '}
        <code>syncnet_v2.model</code> from the authors' site (Oxford VGG) into your downloads folder; then import it below.
        The extension itself never connects anywhere.
      </p>
      <label class="row">
        Import weights file (<code>syncnet_v2.model</code> or <code>lipsync_v4_73.mat</code>):{' '}
        <input id="weights-file" type="file" disabled={busy} onChange={(e) => {
          const file = (e.target as HTMLInputElement).files?.[0];
          if (file) void importFile(file);
        }} />
      </label>
      <ul id="imported">
        {weights.map((w) => (
          <li key={w.model}>{w.model === 'syncnet-v2' ? 'SyncNet v2' : 'SyncNet v4'}: {w.fileName}, imported {new Date(w.importedAt).toLocaleString()}{' '}
            <button onClick={() => void removeWeights(w.model)}>Remove</button></li>
        ))}
      </ul>

      <h2>Display</h2>
      <label class="row">
        <input type="checkbox" checked={settings.showOverlay} onChange={(e) => void update({ showOverlay: (e.target as HTMLInputElement).checked })} /> Show the badge on checked videos
      </label>

      <h2>Files</h2>
      <p><a href="check.html">Check a file</a> — a video (and optionally another audio track) from your computer.</p>

      {message && <p id="message" class={message.error ? 'error' : 'ok'}>{message.text}</p>}
    </main>
  );
}

render(<Options />, document.getElementById('root')!);
