// npm run soak — a looping clip checked live for 10 minutes (LIPSYNC_SOAK_MINUTES) in real
// Chromium with the built extension; once a minute prints the engine host's JS heap,
// tf.memory() tensor count and bytes, and the frames analysed in that minute. Heap and
// tensors must stay flat. Not part of npm test. Uses the built-in model (models/embedded).
import { execFileSync } from 'node:child_process';
import { serveStatic } from './lib/server';
import {
  MEDIA_DIR,
  NO_CLIPS,
  NO_EMBEDDED_MODEL,
  clickToolbarButton,
  engineStats,
  fixturePage,
  launchLive,
  makeMedia,
  tabRecord,
} from '../test/e2e/live-helpers';

const MINUTES = Number(process.env.LIPSYNC_SOAK_MINUTES ?? 10);

async function main() {
  if (NO_CLIPS) throw new Error(`soak: ${NO_CLIPS}`);
  if (NO_EMBEDDED_MODEL) throw new Error(`soak: ${NO_EMBEDDED_MODEL}`);
  execFileSync(process.execPath, ['scripts/build.mjs', 'chrome-test'], { stdio: 'ignore' });
  makeMedia();
  const server = await serveStatic({ mounts: { '/gen/': MEDIA_DIR } });
  // --expose-gc: the engine host collects garbage before reporting its heap, so the figure is the live heap, not GC timing.
  const browser = await launchLive(undefined, ['--js-flags=--expose-gc']);
  try {
    const page = await browser.context.newPage();
    const url = `${server.origin}/${fixturePage('soak', [{ src: '/gen/live-real.mp4', attrs: 'autoplay loop playsinline controls' }])}`;
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('video')!.currentTime > 0.3, null, {
      timeout: 30000,
    });
    await clickToolbarButton(browser, page);
    console.log(`soak: ${MINUTES} min, looping the live test clip, model: built-in`);
    console.log('minute  js heap MB  tensors  tensor MB  frames/min  audio s/min  state');
    let lastFrames = 0;
    let lastAudio = 0;
    for (let minute = 1; minute <= MINUTES; minute++) {
      await new Promise((r) => setTimeout(r, 60_000));
      const stats = await engineStats(browser);
      const session = stats.sessions[0];
      const record = await tabRecord(browser, url);
      const state = Object.values(record?.videos ?? {})[0]?.session?.state.status ?? '-';
      const frames = session?.framesAnalysed ?? 0;
      const audio = session?.audioSeconds ?? 0;
      const heapMb = ((stats.jsHeapBytes ?? 0) / 2 ** 20).toFixed(1);
      const tfMb = (stats.tfBytes / 2 ** 20).toFixed(2);
      console.log(
        `${String(minute).padStart(6)}  ${heapMb.padStart(10)}  ${String(stats.tfTensors).padStart(7)}  ${tfMb.padStart(9)}  ` +
          `${String(frames - lastFrames).padStart(10)}  ${(audio - lastAudio).toFixed(1).padStart(11)}  ${state}`,
      );
      lastFrames = frames;
      lastAudio = audio;
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
