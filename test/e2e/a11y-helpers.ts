// Helpers for the language and accessibility tests: Chromium in a given UI language, a
// verdict written into a tab's record the way the background stores it (storage.session,
// which the popup renders — no test hook in the product), and axe-core run in a page.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, type ExtensionBrowser } from '../helpers/browser';
import type { TabRecord } from '../../src/background/tab-store';
import type { SyncEvidence, SyncState } from '../../src/core/state';

/**
 * The built extension in Chromium whose UI language is `lang` ("zh-CN", "es", "en-US"):
 * --lang plus LANGUAGE, which Chromium on Linux reads (its UI language needs the locale's
 * .pak, Debian's chromium-l10n). chrome.i18n in extension pages follows that language.
 */
export async function launchInLanguage(
  lang: string,
  distDir = resolve('dist/chrome-test'),
): Promise<ExtensionBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'lipsync-lens-lang-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions', '--mute-audio'],
    args: [
      ...CHROMIUM_FLAGS,
      `--lang=${lang}`,
      `--accept-lang=${lang}`,
      `--disable-extensions-except=${distDir}`,
      `--load-extension=${distDir}`,
    ],
    env: { ...process.env, LANGUAGE: lang.replace('-', '_'), LANG: `${lang.replace('-', '_')}.UTF-8` },
    locale: lang,
  });
  const worker =
    context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20000 }));
  return {
    context,
    extensionId: new URL(worker.url()).host,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Evidence shaped like a real check's: a 31-point curve with its dip at the offset, per-second confidence, spans. */
export function sampleEvidence(over: Partial<SyncEvidence> = {}): SyncEvidence {
  const offsetFrames = over.offsetFrames ?? 0;
  const dists = Array.from({ length: 31 }, (_, j) => {
    const offset = 15 - j;
    return 11.5 - 4.2 * Math.exp(-((offset - offsetFrames) ** 2) / 3) + 0.35 * Math.sin(j * 1.7);
  });
  const timeline = Array.from({ length: 12 }, (_, i) => ({
    t: i,
    confidence: i < 1 ? 1.2 : 4.5 + 2.5 * Math.sin(i * 0.9) ** 2,
  }));
  return {
    offsetFrames,
    offsetMs: offsetFrames * 40,
    minDist: Math.min(...dists),
    confidence: 6.21,
    threshold: 3.5,
    pMismatch: 0.03,
    evidenceSeconds: 10.4,
    dists,
    timeline,
    segments: [
      { start: 0, end: 1, outcome: 'no-evidence', confidence: 0 },
      { start: 1, end: 12, outcome: 'in-sync', confidence: 0.97 },
    ],
    checkedFrom: 0,
    checkedTo: 12,
    ...over,
  };
}

/** Stores `state` as the check of one video in tab `tabId`'s record (what the background writes). */
export async function storeVerdict(
  browser: ExtensionBrowser,
  tabId: number,
  state: SyncState,
  label = 'interview.mp4',
): Promise<void> {
  const worker = browser.context.serviceWorkers().find((w) => w.url().includes(browser.extensionId))!;
  const record: TabRecord = {
    tabId,
    videos: {
      '0/v1': {
        videoKey: 'v1',
        label,
        width: 640,
        height: 360,
        playing: true,
        frameId: 0,
        session: {
          sessionId: `${tabId}:0:v1:test`,
          phase: 'running',
          restarts: 0,
          state,
          model: 'embedded',
          capture: 'element',
          startedAt: Date.now() - 14000,
          updatedAt: Date.now(),
        },
      },
    },
  };
  await worker.evaluate(async ([key, value]) => chrome.storage.session.set({ [key as string]: value }), [
    `tab:${tabId}`,
    record,
  ] as const);
}

/** The popup of tab `tabId` opened in a tab of its own, popup-sized. */
export async function openPopupOf(browser: ExtensionBrowser, tabId: number): Promise<Page> {
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 380, height: 640 });
  await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html?tabId=${tabId}`);
  return popup;
}

export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * axe-core (node_modules/axe-core/axe.min.js) run in `page` with the WCAG 2.1 A/AA rules.
 * Evaluated through the DevTools protocol, not a <script> tag: extension pages' CSP
 * (script-src 'self') refuses inline scripts.
 */
export async function runAxe(page: Page, context: string | null = null): Promise<AxeViolation[]> {
  const hasAxe = await page.evaluate(() => typeof (window as { axe?: unknown }).axe !== 'undefined');
  if (!hasAxe) await page.evaluate(readFileSync(resolve('node_modules/axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(
    async ([tags, selector]) => {
      const axe = (
        window as unknown as {
          axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
        }
      ).axe;
      const result = await axe.run(selector ? { include: [selector] } : document, {
        runOnly: { type: 'tag', values: tags },
      });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
      }));
    },
    [WCAG_TAGS, context] as const,
  );
}

export const describeViolations = (violations: AxeViolation[]) =>
  violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('\n')}`,
    )
    .join('\n');
