// The HTML report (src/ui/report.ts) on fabricated results, in node: a hostile file name is
// escaped everywhere, the spans, both SVG charts, the hash, the version, the model and the
// policy are there, the embedded JSON reads back, and nothing in it points off the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DECISION_POLICY } from '../../src/core/decision/decide';
import type { SyncEvidence } from '../../src/core/state';
import { evidenceOf, PARTIAL_SWAP_SPANS, resultOf } from '../helpers/states';
import type { CheckResult } from '../../src/engine/types';
import {
  escapeHtml,
  modelFromManifest,
  reportFileName,
  reportFromCheck,
  reportFromState,
  reportHtml,
  type ReportData,
} from '../../src/ui/report';

const segments = PARTIAL_SWAP_SPANS;

const evidence = (over: Partial<SyncEvidence> = {}): SyncEvidence =>
  evidenceOf({
    minDist: 7.1,
    confidence: 4.2,
    dists: Array.from({ length: 31 }, (_, i) => 8 + Math.abs(i - 15) / 10),
    timeline: Array.from({ length: 30 }, (_, t) => ({ t, confidence: t >= 12 && t < 15 ? 1 : 4 })),
    pMismatch: 0.996,
    evidenceSeconds: 24.5,
    segments,
    checkedTo: 30,
    ...over,
  });

const fakeResult = (e = evidence()): CheckResult => resultOf({ status: 'mismatch', evidence: e });

const HOSTILE = '/clips/<b onmouseover="alert(1)">&\'co\'.mp4';
const SHA = 'ab'.repeat(32);

function fileReport(): { data: ReportData; html: string } {
  const model = modelFromManifest(
    'embedded',
    { source: 'lipsync-lens embedded model', formatVersion: 1, decision: { fittedOn: '52 real clips' } },
    'cd'.repeat(32),
  );
  const data = reportFromCheck(fakeResult(), {
    checkedAt: new Date('2026-12-02T11:00:00.123Z'),
    extensionVersion: '0.1.0',
    source: { kind: 'file', file: HOSTILE, sha256: SHA },
    model,
  });
  return { data, html: reportHtml(data) };
}

const textOf = (html: string) =>
  html.replace(/<script type="application\/json"[^]*?<\/script>/, '').replace(/<[^>]+>/g, ' ');

test('a hostile file name is escaped in the title, the heading and the table, and the JSON block cannot be closed by it', () => {
  const { html } = fileReport();
  assert.doesNotMatch(html, /<b onmouseover/);
  assert.equal((html.match(/<script\b/g) ?? []).length, 1, 'only the JSON block');
  assert.match(
    html,
    /<title>Lip-sync report: &lt;b onmouseover=&quot;alert\(1\)&quot;&gt;&amp;&#39;co&#39;\.mp4 — Fake\? — lips and voice do not match<\/title>/,
  );
  assert.match(
    html,
    /<h1>Lip-sync report: &lt;b onmouseover=&quot;alert\(1\)&quot;&gt;&amp;&#39;co&#39;\.mp4<\/h1>/,
  );
  assert.match(
    html,
    /<td id="file">\/clips\/&lt;b onmouseover=&quot;alert\(1\)&quot;&gt;&amp;&#39;co&#39;\.mp4<\/td>/,
  );
  const json = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)![1];
  assert.doesNotMatch(json, /<\//);
  const data = JSON.parse(json) as ReportData;
  assert.equal(
    data.source.kind === 'file' && data.source.file,
    HOSTILE,
    'the JSON reads back to the real name',
  );
  assert.equal(escapeHtml('<a href="x">&\''), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
});

test('verdict, sentence, spans with times and probabilities, both charts, hash, version, model and policy', () => {
  const { data, html } = fileReport();
  assert.match(html, /id="verdict" data-verdict="fake"[^>]*>Fake\? — lips and voice do not match</);
  assert.match(
    html,
    /id="sentence">The voice almost certainly does not belong to the lips on screen from 0:12 to 0:15/,
  );
  assert.match(
    html,
    /<td>0:12–0:15<\/td><td>12\.00–15\.00 s<\/td><td><span class="dot"[^>]*><\/span>voice does not match the lips<\/td><td>0\.97<\/td>/,
  );
  assert.match(html, /<td>0:00–0:12<\/td>/);
  assert.match(html, /<svg class="distance-curve"[^>]*role="img"[^>]*>.*<polyline points="[\d., ]+"/);
  assert.match(html, /<svg class="timeline"[^>]*>.*<g class="span mismatch">/);
  assert.equal((html.match(/<rect class="bar"/g) ?? []).length, 30, 'one bar per second');
  assert.match(html, new RegExp(`<td id="sha256">${SHA}</td>`));
  assert.match(html, /lipsync-lens <span id="version">0\.1\.0<\/span>/);
  assert.match(html, /<td id="checked-at">2026-12-02 11:00:00 UTC<\/td>/);
  assert.match(html, /<td id="model">lipsync-lens embedded model \(embedded\)<\/td>/);
  assert.match(html, /weights format 1 · weights\.bin sha256 cdcdcdcdcdcd/);
  assert.match(html, /mismatchAt 0\.95 · matchAt 0\.3/);
  assert.match(html, /probability of a mismatch 1\.00/);
  assert.match(html, /24\.5 s of face-plus-speech in 0:00–0:30 checked/);
  assert.deepEqual(data.decision.policy, DEFAULT_DECISION_POLICY);
  assert.equal(reportFileName(data), '_b_onmouseover_alert_1_co_.mp4.lipsync-report.html');
});

test('valid-looking, self-contained HTML: doctype, lang, one title, balanced sections, no remote URL, prints', () => {
  const { html } = fileReport();
  assert.match(html, /^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">/);
  assert.equal(
    (html.split('</head>')[0].match(/<title>/g) ?? []).length,
    1,
    'one document title (the SVG bars have their own)',
  );
  assert.match(html, /<\/body>\n<\/html>\n$/);
  for (const tag of ['section', 'table', 'svg', 'main', 'tr', 'td']) {
    assert.equal(
      (html.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length,
      (html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length,
      `<${tag}> balanced`,
    );
  }
  assert.doesNotMatch(html, /https?:|\/\/[a-z]/i, 'no URL at all in a file report');
  assert.doesNotMatch(html, /<(link|img|iframe|object|embed)\b|src=|@import|url\(/i);
  assert.match(html, /@media print/);
});

test('live (popup): the page URL is the only URL and appears as text; a provisional verdict is not finished', () => {
  const url = 'https://video.example/watch?v=1&t=<2>';
  const meta = {
    checkedAt: '2026-12-02T11:05:00.000Z',
    extensionVersion: '0.1.0',
    source: { kind: 'page' as const, url, video: 'clip.mp4' },
    model: modelFromManifest('syncnet-v2', null, null, 'syncnet_v2.model'),
  };
  const final = reportHtml(
    reportFromState(
      {
        status: 'in-sync',
        evidence: evidence({
          pMismatch: 0.02,
          segments: [{ start: 0, end: 30, outcome: 'in-sync', confidence: 0.98 }],
        }),
      },
      meta,
    ),
  );
  assert.match(final, /data-verdict="real"/);
  assert.match(final, /<td id="page-url">https:\/\/video\.example\/watch\?v=1&amp;t=&lt;2&gt;<\/td>/);
  const urls = textOf(final).match(/https?:\/\/\S+/g) ?? [];
  assert.deepEqual(urls, ['https://video.example/watch?v=1&amp;t=&lt;2&gt;']);
  assert.equal(
    (final.match(/https?:/g) ?? []).length,
    2,
    'the URL in the table and in the JSON, nowhere else',
  );
  assert.match(final, /<td id="model">syncnet_v2\.model \(syncnet-v2\)<\/td>/);
  const provisional = reportFromState(
    { status: 'mismatch', evidence: evidence({ provisional: true }) },
    meta,
  );
  assert.equal(provisional.verdict, null);
  assert.match(reportHtml(provisional), /data-verdict="unfinished"[^>]*>Not finished</);
  const cannot = reportHtml(reportFromState({ status: 'cannot-judge', reason: 'no-face' }, meta));
  assert.match(cannot, /data-verdict="cannot-judge"/);
  assert.match(cannot, /No spans: nothing was judged\./);
  assert.doesNotMatch(cannot, /<svg/);
});
