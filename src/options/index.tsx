// Options: settings backed by storage.local with versioned migrations.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DEFAULT_SETTINGS, migrateSettings, type Settings } from '../shared/settings';

function Options() {
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  useEffect(() => {
    void chrome.storage.local.get('settings').then((stored) => setSettings(migrateSettings(stored.settings)));
  }, []);
  const update = (patch: Partial<Settings>) => {
    const next = { ...settings, ...patch };
    setSettings(next);
    void chrome.storage.local.set({ settings: next });
  };
  return (
    <main>
      <h1>lipsync-lens</h1>
      <label>
        Sensitivity (confidence threshold):{' '}
        <input type="number" step="0.1" min="0" value={settings.threshold}
          onInput={(e) => update({ threshold: Number((e.target as HTMLInputElement).value) })} />
      </label>
    </main>
  );
}

render(<Options />, document.getElementById('root')!);
