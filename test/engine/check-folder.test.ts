// `npm run check -- <folder>` (issue 13, item 4) and `--report` (issue 14, item 4) end to end:
// a temporary folder with two short real clips (one in a nested folder), a text file and a
// corrupt .mp4, checked by the CLI in headless Chromium with the shipped embedded model. The
// table lists exactly the media files, the corrupt one fails with a plain message and the
// exit status is 1; --json gives one line per media file; --jobs 2 gives the same verdicts;
// --report writes one HTML + JSON pair per checked file, and for one file the pair named.
// The folder scan and the table are also pinned without a browser.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  scanFolder,
  sniffContainer,
  summaryTable,
  totalsLine,
  type BatchRow,
} from '../../scripts/lib/check-batch';
import { buildCliExtension } from '../../scripts/lib/checker';
import type { CheckResult } from '../../src/engine/types';
import type { ReportData } from '../../src/ui/report';
import { clip } from '../helpers/media';
import { CLIPS_DIR } from '../helpers/server';

const hasModel = existsSync('models/embedded/manifest.json');
const hasClips = existsSync(CLIPS_DIR);
const skip = !hasClips
  ? 'no ../shared/media/clips here'
  : !hasModel
    ? 'models/embedded is not trained yet (npm run train)'
    : false;

// Two SHORT real in-sync clips of different speakers (MANIFEST.tsv: real-in-sync, h264, 224×224).
const SHORT_A = 'PCAVS_misc_Pose_Source_00067.mp4'; // 4.6 s
const SHORT_B = 'PCAVS_misc_Audio_Source_00086.mp4'; // 5.3 s

function runCli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check.ts', ...args], {
    encoding: 'utf8',
    timeout: 600_000,
  });
}

/** The folder: A at the top, B two levels down, a text file, a corrupt .mp4, a media file without extension (sniffed). */
function makeFolder(root: string, withClips: boolean) {
  mkdirSync(join(root, 'nested/deeper'), { recursive: true });
  if (withClips) {
    symlinkSync(clip(SHORT_A), join(root, SHORT_A));
    symlinkSync(clip(SHORT_B), join(root, 'nested/deeper', SHORT_B));
  }
  writeFileSync(join(root, 'notes.txt'), 'not media\n');
  writeFileSync(join(root, 'nested/broken.mp4'), 'this is not a video\n'.repeat(50));
}

describe('folder scan and table (no browser)', () => {
  it('media by extension or by first bytes; everything else counted as skipped', () => {
    const root = mkdtempSync(join(tmpdir(), 'lipsync-scan-'));
    try {
      makeFolder(root, false);
      const mp4Head = new Uint8Array([0, 0, 0, 0x20, ...Buffer.from('ftypisom')]);
      writeFileSync(join(root, 'nested/no-extension'), mp4Head);
      writeFileSync(join(root, 'clip.WEBM'), new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0]));
      const scan = scanFolder(root);
      assert.deepEqual(
        scan.media.map((p) => p.slice(root.length + 1)),
        ['clip.WEBM', 'nested/broken.mp4', 'nested/no-extension'],
      );
      assert.deepEqual(
        scan.skipped.map((p) => p.slice(root.length + 1)),
        ['notes.txt'],
      );
      assert.equal(sniffContainer(mp4Head), 'iso-bmff');
      assert.equal(sniffContainer(Buffer.from('hello world, not media')), null);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the table: one row per file, failures as FAILED, totals by verdict', () => {
    const result = {
      verdict: 'cannot-judge',
      reason: 'no-face',
      confidence: null,
      threshold: 0.1173,
      pMismatch: null,
      evidenceSeconds: 0,
      segments: [],
      state: { status: 'cannot-judge', reason: 'no-face' },
    } as unknown as CheckResult;
    const rows: BatchRow[] = [
      { path: 'a.mp4', seconds: 4.25, outcome: { ok: true, result } },
      {
        path: 'sub/b.mp4',
        seconds: 1,
        outcome: { ok: false, error: 'sub/b.mp4: it is not a video format this browser can play' },
      },
    ];
    const table = summaryTable(rows).split('\n');
    assert.match(table[0], /^file\s+verdict\s+p\(mismatch\)\s+confidence\s+evidence\s+time$/);
    assert.match(table[2], /^a\.mp4\s+CAN'T JUDGE \(no-face\)\s+—\s+—\s+—\s+4\.3 s$/);
    assert.match(table[3], /^sub\/b\.mp4\s+FAILED\s+—\s+—\s+—\s+1\.0 s$/);
    assert.equal(
      totalsLine(rows, 1, 9.04),
      "2 media files in 9.0 s: 0 real, 0 shifted, 0 fake, 1 can't judge, 1 failed; 1 other file skipped",
    );
  });
});

describe('npm run check -- <folder>', { skip }, () => {
  let root: string;
  let out: string;
  before(() => {
    buildCliExtension();
    root = mkdtempSync(join(tmpdir(), 'lipsync-folder-'));
    out = mkdtempSync(join(tmpdir(), 'lipsync-reports-'));
    makeFolder(root, true);
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  const verdicts = new Map<string, string>();

  it('the table lists exactly the media files; the corrupt one failed with a plain message; exit 1; --report writes a pair per checked file', (t) => {
    const run = runCli(root, '--report', join(out, 'folder'));
    t.diagnostic(run.stdout);
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const rows = lines.slice(2, 5);
    assert.deepEqual(
      rows.map((l) => l.split(/\s{2,}/)[0]),
      [SHORT_A, 'nested/broken.mp4', `nested/deeper/${SHORT_B}`],
    );
    for (const row of rows) {
      const [path, verdict] = row.split(/\s{2,}/);
      verdicts.set(path, verdict);
    }
    assert.equal(verdicts.get('nested/broken.mp4'), 'FAILED');
    assert.match(verdicts.get(SHORT_A)!, /^(REAL|SHIFTED|FAKE\?|CAN'T JUDGE)/);
    assert.match(
      lines[5],
      /^3 media files in \d+\.\d s: \d real, \d shifted, \d fake, \d can't judge, 1 failed; 1 other file skipped$/,
    );
    assert.match(
      run.stdout,
      /\nfailed: nested\/broken\.mp4: it is not a video format this browser can play\n$/,
    );
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(run.stdout, /notes\.txt/);

    for (const [path, name] of [
      [SHORT_A, SHORT_A],
      [`nested/deeper/${SHORT_B}`, SHORT_B],
    ]) {
      const html = readFileSync(join(out, 'folder', `${path}.html`), 'utf8');
      const json = JSON.parse(readFileSync(join(out, 'folder', `${path}.json`), 'utf8')) as ReportData;
      const word = verdicts.get(path)!.startsWith('REAL')
        ? 'real'
        : verdicts.get(path)!.startsWith('SHIFTED')
          ? 'shifted'
          : verdicts.get(path)!.startsWith('FAKE')
            ? 'fake'
            : 'cannot-judge';
      assert.equal(json.verdict, word, path);
      assert.match(html, new RegExp(`data-verdict="${word}"`));
      assert.match(html, new RegExp(`<title>Lip-sync report: ${name.replace(/\./g, '\\.')} — `));
      assert.match(html, /<td id="sha256">[0-9a-f]{64}<\/td>/);
      assert.ok(json.source.kind === 'file' && /^[0-9a-f]{64}$/.test(json.source.sha256!));
    }
    assert.ok(!existsSync(join(out, 'folder', 'nested/broken.mp4.html')), 'no report for a file that failed');
  });

  it('--json --jobs 2: one parseable line per media file (with its path), the same verdicts', (t) => {
    const started = Date.now();
    const run = runCli(root, '--json', '--jobs', '2');
    t.diagnostic(`--jobs 2: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(run.status, 1, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.path),
      [SHORT_A, 'nested/broken.mp4', `nested/deeper/${SHORT_B}`],
    );
    const broken = lines[1];
    assert.deepEqual(Object.keys(broken).sort(), ['error', 'file', 'path']);
    assert.match(broken.error, /^nested\/broken\.mp4: it is not a video format this browser can play$/);
    for (const line of [lines[0], lines[2]]) {
      assert.equal(line.dists.length, 31);
      const word = { real: 'REAL', shifted: 'SHIFTED', fake: 'FAKE?', 'cannot-judge': "CAN'T JUDGE" }[
        line.verdict as 'real'
      ];
      assert.ok(
        verdicts.get(line.path)!.startsWith(word),
        `${line.path}: ${line.verdict} with --jobs 2, ${verdicts.get(line.path)} with one job`,
      );
    }
    assert.match(run.stderr, /check: \[\d\/3\] /, 'a line per finished file, no progress bars');
  });

  it('one file: --report out.html writes out.html and out.json with the verdict', () => {
    const run = runCli(clip(SHORT_A), '--report', join(out, 'single/out.html'));
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^PCAVS_misc_Pose_Source_00067\.mp4: /, 'the human report as before');
    const json = JSON.parse(readFileSync(join(out, 'single/out.json'), 'utf8')) as ReportData;
    const html = readFileSync(join(out, 'single/out.html'), 'utf8');
    assert.equal(json.verdict, 'real');
    assert.match(html, /id="verdict" data-verdict="real"[^>]*>Real — lips and voice are in sync</);
    assert.equal(json.model.choice, 'embedded');
    assert.equal(json.model.name, 'lipsync-lens embedded model');
    assert.match(json.model.version!, /^weights format 1 · weights\.bin sha256 [0-9a-f]{12}$/);
    assert.equal(json.extensionVersion, JSON.parse(readFileSync('manifest.json', 'utf8')).version);
    const embedded = JSON.parse(
      /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)![1],
    );
    assert.deepEqual(embedded, json, 'the JSON beside the report is the one inside it');
    assert.doesNotMatch(html, /https?:/);
  });
});
