// Debian's Chromium (apt package `chromium`) driven by playwright-core, with the flags this
// closed network needs: without the background-networking / component-update / sync flags
// Chromium hangs looking up Google hosts. Used by the CLI, the bench and the tests.
import { chromium, type BrowserContext } from 'playwright-core';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CHROMIUM = process.env.LIPSYNC_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Chromium's sandbox stays on unless we run as root, where Chromium refuses to start with it
 * (containers, CI). Checked media is untrusted input: the sandbox is the defence (issue 11).
 */
export const SANDBOX_FLAGS: string[] = process.getuid?.() === 0 ? ['--no-sandbox'] : [];

export const CHROMIUM_FLAGS = [
  '--headless=new',
  ...SANDBOX_FLAGS,
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  close(): Promise<void>;
}

export async function launchWithExtension(distDir = resolve('dist/chrome')): Promise<ExtensionBrowser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found — install Debian's chromium package (bash scripts/setup.sh)`);
  if (!existsSync(join(distDir, 'manifest.json')))
    throw new Error(`${distDir} has no built extension — run npm run build`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'lipsync-lens-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    // Playwright's own headless mode adds --mute-audio and hides audio failures; we pass
    // --headless=new ourselves instead.
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions', '--mute-audio'],
    args: [...CHROMIUM_FLAGS, `--disable-extensions-except=${distDir}`, `--load-extension=${distDir}`],
  });
  const worker =
    context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20000 }));
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    extensionId,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Plain Chromium (no extension) for engine pages served from 127.0.0.1. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found — install Debian's chromium package (bash scripts/setup.sh)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: false,
    ignoreDefaultArgs: ['--mute-audio'],
    args: CHROMIUM_FLAGS,
  });
}
