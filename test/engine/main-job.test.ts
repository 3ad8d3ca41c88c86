// README command 1 ends with the main job (scripts/main-job.sh, run by scripts/setup.sh): a
// real check of a demo clip whose verdict is printed as a user sees it. Both of its ways:
// the shared folder's real talking head (REAL), and, where there is no shared folder, a
// clip it makes with ffmpeg (a test pattern and a tone: can't judge, no face).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REASON_TEXT } from '../../src/core/state';

const DEMO = '../shared/media/clips/PCAVS_misc_Audio_Source_00104.mp4';

function mainJob(...args: string[]) {
  const run = spawnSync('bash', ['scripts/main-job.sh', ...args], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(run.status, 0, `exit ${run.status}: ${run.stderr}`);
  return run.stdout;
}

test(
  'with ../shared: the demo clip is checked and printed REAL',
  { skip: existsSync(DEMO) ? false : `${DEMO} is missing` },
  (t) => {
    const out = mainJob();
    for (const line of out.trimEnd().split('\n')) t.diagnostic(line);
    assert.match(
      out,
      /^setup: checking \.\.\/shared\/media\/clips\/PCAVS_misc_Audio_Source_00104\.mp4 \(npm run check\)$/m,
    );
    assert.match(out, /^PCAVS_misc_Audio_Source_00104\.mp4: REAL — lips and voice in sync$/m);
    assert.match(out, /^ {2}certainty: voice and lips /m);
    assert.match(out, /^ {2}timeline: 0s /m);
  },
);

test("without a shared folder: a clip made with ffmpeg, honestly can't judge (no face)", (t) => {
  const missing = mkdtempSync(join(tmpdir(), 'no-shared-'));
  try {
    const out = mainJob(missing);
    for (const line of out.trimEnd().split('\n')) t.diagnostic(line);
    assert.match(out, /^setup: checking \.cache\/demo-no-face\.mp4 \(npm run check\)$/m);
    assert.match(out, /^demo-no-face\.mp4: CAN'T JUDGE$/m);
    assert.ok(out.includes(`  reason: ${REASON_TEXT['no-face']}`), out);
  } finally {
    rmSync(missing, { recursive: true, force: true });
  }
});
