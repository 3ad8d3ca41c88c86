// The timeline and the distance curve in a real browser (test/harness/charts-page.tsx): a
// check started at 2:00 fills the width; spans sit where they happened; a click seeks to the
// media time under it; the keyboard (arrows, Home/End, Enter) seeks too; the curve's ends
// are labelled sound early (left) and sound late (right).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { bundleTestPage } from '../helpers/bundle';
import { serveStatic, type StaticServer } from '../helpers/server';

let server: StaticServer;
let browser: Browser;
let page: Page;

before(async () => {
  const pagePath = await bundleTestPage('charts', 'test/harness/charts-page.tsx');
  server = await serveStatic();
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${server.origin}/${pagePath}`);
  await page.waitForFunction(() => window.harnessReady === true);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const seeks = () => page.evaluate(() => window.seeks.splice(0));

test('the timeline spans 2:00–2:10 over its whole width, the mismatch span at 2:02–2:05', async () => {
  const timeline = page.locator('svg.timeline');
  assert.equal(await timeline.getAttribute('aria-valuetext'), '2:00');
  const bars = await page.$$eval('svg.timeline rect.bar', (rects) =>
    rects.map((r) => Number(r.getAttribute('x'))),
  );
  assert.deepEqual(
    bars.map((x) => Math.round(x)),
    [0, 30, 60, 90, 120, 150, 180, 210, 240, 270],
  );
  const mismatch = await page.$eval('svg.timeline g.span.mismatch rect', (r) => [
    Number(r.getAttribute('x')),
    Number(r.getAttribute('width')),
    getComputedStyle(r).fill,
  ]);
  assert.deepEqual(mismatch, [60, 90, 'rgb(240, 110, 110)']);
  assert.deepEqual(await page.$$eval('svg.timeline text', (texts) => texts.map((t) => t.textContent)), [
    '2:00',
    '2:10',
  ]);
});

test('a click seeks to the media time under it', async () => {
  const box = (await page.locator('svg.timeline').boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.5, box.y + 10);
  await page.mouse.click(box.x + box.width * 0.25, box.y + 10);
  const [middle, quarter] = await seeks();
  assert.ok(Math.abs(middle - 125) < 0.1, `${middle}`);
  assert.ok(Math.abs(quarter - 122.5) < 0.1, `${quarter}`);
});

test('keyboard: focus, arrows move the moment, Enter seeks there; Home and End; the slider says where', async () => {
  const timeline = page.locator('svg.timeline');
  await timeline.focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await timeline.getAttribute('aria-valuetext'), '2:03');
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press(' ');
  assert.deepEqual(await seeks(), [123, 130, 129]);
  assert.equal(await timeline.getAttribute('role'), 'slider');
  assert.match((await timeline.getAttribute('aria-label'))!, /2:00 to 2:10/);
});

test('the curve: left end "+15 sound early", right end "−15 sound late", the dip of +3 left of 0', async () => {
  const texts = await page.$$eval('svg.distance-curve text', (ts) => ts.map((t) => t.textContent));
  assert.deepEqual(texts, ['+15 sound early', '0', '−15 sound late']);
  const [dot, zero] = await page.$eval('svg.distance-curve', (svg) => [
    Number(svg.querySelector('circle')!.getAttribute('cx')),
    Number(svg.querySelector('line')!.getAttribute('x1')),
  ]);
  assert.ok(dot < zero);
});
