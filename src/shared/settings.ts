// Settings: `DEFAULT_SETTINGS` is the schema (its type is the settings type); stored
// settings are upgraded by ordered migrations keyed on `settingsVersion`.
export const DEFAULT_SETTINGS = {
  settingsVersion: 1,
  /** Which model checks sync: the embedded model ships with the extension. */
  model: 'embedded' as 'embedded' | 'syncnet-v2' | 'syncnet-v4',
  /** Confidence (median − min of the 31 offset distances) at or above which a clip is judged in sync. */
  threshold: 3.5,
  /** Sites where videos are checked automatically (off until the user picks some). */
  autoScanSites: [] as string[],
  showOverlay: true,
};

export type Settings = typeof DEFAULT_SETTINGS;

type Migration = (old: Record<string, unknown>) => Record<string, unknown>;
/** MIGRATIONS[n] upgrades settingsVersion n → n + 1. */
const MIGRATIONS: Record<number, Migration> = {};

export function migrateSettings(stored: Record<string, unknown> | undefined): Settings {
  let current: Record<string, unknown> = { ...(stored ?? {}) };
  let version = typeof current.settingsVersion === 'number' ? current.settingsVersion : DEFAULT_SETTINGS.settingsVersion;
  while (version < DEFAULT_SETTINGS.settingsVersion) {
    current = MIGRATIONS[version]?.(current) ?? current;
    version += 1;
  }
  return { ...DEFAULT_SETTINGS, ...current, settingsVersion: DEFAULT_SETTINGS.settingsVersion } as Settings;
}
