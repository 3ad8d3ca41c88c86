// Settings: `DEFAULT_SETTINGS` is the schema (its type is the settings type); stored
// settings are upgraded by ordered migrations keyed on `settingsVersion`.
import type { ModelChoice } from '../engine/types';

/** Sites offered for auto-scan; each is granted as an optional host permission when picked. */
export const AUTO_SCAN_SITES = [
  'youtube.com',
  'x.com',
  'facebook.com',
  'instagram.com',
  'tiktok.com',
  'reddit.com',
] as const;
export type AutoScanSite = (typeof AUTO_SCAN_SITES)[number];

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Host patterns for a site and its subdomains (what permissions.request and registerContentScripts take); an IP address has none. */
export function sitePatterns(site: string): string[] {
  return IPV4.test(site) ? [`*://${site}/*`] : [`*://${site}/*`, `*://*.${site}/*`];
}

/**
 * The site a user typed into "Add a site" ("example.com", "https://www.example.com/watch?v=1",
 * "127.0.0.1:8080"), as the host auto-scan keys on: lower case, without port, path or a
 * leading "www." (its patterns cover subdomains). Null when it names no web host (IPv6,
 * wildcards, a single label other than localhost, another scheme).
 */
export function parseSite(input: string): string | null {
  const text = input.trim().toLowerCase();
  if (!text) return null;
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `http://${text}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const host = url.hostname.replace(/\.$/, '');
  if (IPV4.test(host) || host === 'localhost') return host;
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  return labels[0] === 'www' && labels.length > 2 ? labels.slice(1).join('.') : host;
}

export const DEFAULT_SETTINGS = {
  settingsVersion: 2,
  /** Which model checks sync: the embedded model ships with the extension. */
  model: 'embedded' as ModelChoice,
  /**
   * Confidence (median − min of the 31 offset distances) at or above which a video is
   * judged in sync; null = the model's own default (the scale differs per model: the
   * embedded model's card gives its own, SyncNet's is the VidTIMIT study's 3.5).
   */
  threshold: null as number | null,
  /** Sites where videos are checked automatically (off until the user picks some). */
  autoScanSites: [] as string[],
  showOverlay: true,
};

export type Settings = typeof DEFAULT_SETTINGS;

type Migration = (old: Record<string, unknown>) => Record<string, unknown>;
/** MIGRATIONS[n] upgrades settingsVersion n → n + 1. */
const MIGRATIONS: Record<number, Migration> = {
  // v1 stored SyncNet's 3.5 as everyone's threshold; it meant "the default", which is now per model.
  1: (old) => ({
    ...old,
    threshold: old.threshold === 3.5 || typeof old.threshold !== 'number' ? null : old.threshold,
  }),
};

export function migrateSettings(stored: Record<string, unknown> | undefined): Settings {
  let current: Record<string, unknown> = { ...(stored ?? {}) };
  let version =
    typeof current.settingsVersion === 'number' ? current.settingsVersion : DEFAULT_SETTINGS.settingsVersion;
  while (version < DEFAULT_SETTINGS.settingsVersion) {
    current = MIGRATIONS[version]?.(current) ?? current;
    version += 1;
  }
  return { ...DEFAULT_SETTINGS, ...current, settingsVersion: DEFAULT_SETTINGS.settingsVersion } as Settings;
}

/** Settings as stored in storage.local, migrated. */
export async function loadSettings(): Promise<Settings> {
  const stored = await chrome.storage.local.get('settings');
  return migrateSettings(stored.settings as Record<string, unknown> | undefined);
}

export async function saveSettings(settings: Settings): Promise<void> {
  await chrome.storage.local.set({ settings });
}
