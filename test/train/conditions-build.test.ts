// buildConditions on two short real clips of different speakers and one music file
// (test/.generated/conditions): every planned file exists as H.264/AAC MP4 of the
// planned length, the partial swap replaced exactly its span, the shifts moved the sound
// the way their sign says (positive ⇒ heard early), and a rerun makes nothing again.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildConditions, readConditions, type ConditionEntry } from '../../scripts/lib/conditions';
import { GENERATED_ROOT } from '../helpers/generated';
import { clip } from '../helpers/media';

const ROOT = join(GENERATED_ROOT, 'conditions');
// vox-F 4.6 s, vox-B 5.3 s, grid-A 3 s: three speakers, so a turn-swap has a third voice.
const CLIPS = [
  'PCAVS_misc_Pose_Source_00067.mp4',
  'PCAVS_misc_Audio_Source_00086.mp4',
  'LipNet_evaluation_samples_GRID_bbaf2n.mpg',
];
const MUSIC = resolve('../shared/media/music/wesnoth_northerners.ogg');
const RATE = 8000;

/** A folder of links to the inputs (the shared manifest labels them); fails, not skips, when an input is missing. */
function linkInputs(): { clipsDir: string; musicDir: string } {
  const clipsDir = join(ROOT, 'clips');
  const musicDir = join(ROOT, 'music');
  for (const dir of [clipsDir, musicDir]) mkdirSync(dir, { recursive: true });
  for (const [dir, path] of [...CLIPS.map((f) => [clipsDir, clip(f)]), [musicDir, MUSIC]]) {
    assert.ok(existsSync(path), `${path} is missing (the shared media this test needs)`);
    const link = join(dir, path.split('/').pop()!);
    rmSync(link, { force: true });
    symlinkSync(path, link);
  }
  return { clipsDir, musicDir };
}

/** Mono float samples at 8 kHz (ffmpeg applies the MP4 edit list, so AAC priming is not counted). */
function decode(path: string): Float32Array {
  const raw = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', path, '-map', '0:a:0', '-ac', '1', '-ar', String(RATE), '-f', 's16le', '-'],
    { maxBuffer: 64 << 20 },
  );
  const ints = new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
  return Float32Array.from(ints, (v) => v / 32768);
}

const probeOut = (path: string) =>
  JSON.parse(
    execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'format=duration:stream=codec_name,pix_fmt,r_frame_rate',
        '-of',
        'json',
        path,
      ],
      { encoding: 'utf8' },
    ),
  ) as {
    format: { duration: string };
    streams: { codec_name: string; pix_fmt?: string; r_frame_rate: string }[];
  };

/** Loudness envelope in 5 ms steps. */
function envelope(x: Float32Array, step = RATE / 200): Float64Array {
  const out = new Float64Array(Math.floor(x.length / step));
  for (let i = 0; i < out.length; i++) for (let j = 0; j < step; j++) out[i] += Math.abs(x[i * step + j]);
  return out;
}

/** The lag (seconds) at which b(t) best matches a(t + lag): positive ⇒ b is a's sound heard early. */
function bestLag(a: Float32Array, b: Float32Array, maxS = 0.8): number {
  const [ea, eb] = [envelope(a), envelope(b)];
  const centre = (e: Float64Array) => {
    const m = e.reduce((s, v) => s + v, 0) / e.length;
    return e.map((v) => v - m);
  };
  const [ca, cb] = [centre(ea), centre(eb)];
  const maxLag = Math.round(maxS * 200);
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let s = 0;
    for (let i = 0; i < cb.length; i++) if (i + lag >= 0 && i + lag < ca.length) s += cb[i] * ca[i + lag];
    if (s > bestScore) [best, bestScore] = [lag, s];
  }
  return best / 200;
}

/** Per 50 ms block: how different b is from a (0 = the same sound, ~1 = unrelated), null where both are near silent. */
function difference(a: Float32Array, b: Float32Array, block = RATE / 20): (number | null)[] {
  const out: (number | null)[] = [];
  for (let s = 0; s + block <= Math.min(a.length, b.length); s += block) {
    let diff = 0;
    let energy = 0;
    for (let i = s; i < s + block; i++) {
      diff += (a[i] - b[i]) ** 2;
      energy += a[i] ** 2 + b[i] ** 2;
    }
    out.push(energy / block > 1e-5 ? diff / energy : null);
  }
  return out;
}

describe('buildConditions', { timeout: 300_000 }, () => {
  let entries: ConditionEntry[];
  let outDir: string;
  let clipsDir: string;
  let musicDir: string;
  const build = (log?: (line: string) => void) =>
    buildConditions({
      clipsDir,
      outDir,
      musicDir,
      seed: 1,
      shifts: [3, -5],
      shiftsPerClip: 2,
      log: log ?? (() => {}),
    });

  before(() => {
    ({ clipsDir, musicDir } = linkInputs());
    outDir = join(ROOT, 'out');
    entries = build();
  });

  it('makes each condition of both clips as H.264 yuv420p + AAC MP4 of the planned length', () => {
    assert.deepEqual(readConditions(outDir), entries);
    const conditions = new Set(entries.map((e) => e.condition));
    for (const c of [
      'music-only',
      'speech-under-music',
      'cutaway',
      'listener',
      'two-speakers',
      'turn-shift',
      'turn-swap',
      'partial-swap',
      'reencode',
      'swap',
      'shift',
    ])
      assert.ok(conditions.has(c as never), `no ${c}`);
    for (const e of entries) {
      const path = join(outDir, e.file);
      assert.ok(existsSync(path), e.file);
      const info = probeOut(path);
      const video = info.streams.find((s) => s.codec_name === 'h264');
      assert.ok(video && video.pix_fmt === 'yuv420p', `${e.file}: ${JSON.stringify(info.streams)}`);
      assert.equal(video.r_frame_rate, e.condition === 'reencode' ? '15/1' : '25/1');
      assert.ok(
        info.streams.some((s) => s.codec_name === 'aac'),
        e.file,
      );
      const seconds = Number(info.format.duration);
      assert.ok(Math.abs(seconds - e.durationS) < 0.05, `${e.file}: ${seconds} s, planned ${e.durationS}`);
      if (e.donorSpeaker) assert.notEqual(e.donorSpeaker, e.speaker);
    }
  });

  it('moves the sound by the shift, positive ⇒ heard early', () => {
    const shifts = entries.filter((e) => e.condition === 'shift');
    assert.equal(shifts.length, 2 * CLIPS.length);
    for (const e of shifts) {
      const own = decode(join(clipsDir, e.source));
      const lag = bestLag(own, decode(join(outDir, e.file)));
      assert.ok(
        Math.abs(lag - e.shiftFrames! * 0.04) <= 0.01,
        `${e.file}: lag ${lag} s, expected ${e.shiftFrames! * 0.04}`,
      );
    }
  });

  it('replaces the partial swap’s span, and only it, with another voice', () => {
    const swaps = entries.filter((e) => e.condition === 'partial-swap');
    assert.ok(swaps.length >= 1);
    for (const e of swaps) {
      const { start, end } = e.span!;
      assert.ok(end - start >= 2 && end - start <= 4, `${e.file}: ${start}–${end}`);
      const d = difference(decode(join(clipsDir, e.source)), decode(join(outDir, e.file)));
      const inside = d.filter(
        (v, i) => v !== null && i / 20 >= start + 0.1 && (i + 1) / 20 <= end - 0.1,
      ) as number[];
      const outside = d.filter(
        (v, i) => v !== null && ((i + 1) / 20 <= start - 0.1 || i / 20 >= end + 0.1),
      ) as number[];
      assert.ok(
        inside.length > 10 && outside.length > 5,
        `${e.file}: ${inside.length} inside, ${outside.length} outside`,
      );
      const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
      assert.ok(
        median(inside) > 0.5,
        `${e.file}: inside the span the sound is still the clip's own (${median(inside)})`,
      );
      assert.ok(median(outside) < 0.1, `${e.file}: outside the span the sound changed (${median(outside)})`);
    }
  });

  it("turn-swap: the two-speakers file with the second person's whole turn in a third voice", () => {
    const turns = entries.filter((e) => e.condition === 'turn-swap');
    assert.equal(turns.length, CLIPS.length);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
    for (const e of turns) {
      const two = entries.find((t) => t.condition === 'two-speakers' && t.source === e.source)!;
      assert.equal(e.donor, two.donor);
      assert.ok(e.voiceSpeaker && e.voiceSpeaker !== e.speaker && e.voiceSpeaker !== e.donorSpeaker);
      const { start, end } = e.span!;
      assert.ok(Math.abs(end - e.durationS) < 1e-6, `${e.file}: the turn runs to the end`);
      const d = difference(decode(join(outDir, two.file)), decode(join(outDir, e.file)));
      const before = d.filter((v, i) => v !== null && (i + 1) / 20 <= start - 0.1) as number[];
      const after = d.filter((v, i) => v !== null && i / 20 >= start + 0.1) as number[];
      assert.ok(
        before.length > 10 && after.length > 10,
        `${e.file}: ${before.length} before, ${after.length} after`,
      );
      assert.ok(median(before) < 0.1, `${e.file}: the first turn's sound changed (${median(before)})`);
      assert.ok(
        median(after) > 0.5,
        `${e.file}: the second turn is still the second person's voice (${median(after)})`,
      );
    }
  });

  it("turn-shift: the two-speakers file with the second person's own sound moved by 1 s, the first turn untouched", () => {
    const shifted = entries.filter((e) => e.condition === 'turn-shift');
    // The second person needs a part of 4 s or more: vox-F and vox-B can be one, grid-A (3 s) cannot.
    assert.ok(shifted.length >= 1, 'no turn-shift file');
    for (const e of shifted) {
      const two = entries.find((t) => t.condition === 'two-speakers' && t.source === e.source)!;
      assert.equal(e.donor, two.donor);
      assert.equal(e.expected, 'shifted');
      const { start, end } = e.span!;
      const [a, b] = [decode(join(outDir, two.file)), decode(join(outDir, e.file))];
      const part = (x: Float32Array, from: number, to: number) =>
        x.subarray(Math.round(from * RATE), Math.round(to * RATE));
      const lag = bestLag(part(a, start, end), part(b, start, end), 1.2);
      assert.ok(
        Math.abs(lag - e.shiftFrames! * 0.04) <= 0.01,
        `${e.file}: lag ${lag} s, expected ${e.shiftFrames! * 0.04}`,
      );
      const d = difference(a, b).filter((v, i) => v !== null && (i + 1) / 20 <= start - 0.1) as number[];
      assert.ok(
        d.length > 10 && [...d].sort((x, y) => x - y)[d.length >> 1] < 0.1,
        `${e.file}: the first turn's sound changed`,
      );
    }
  });

  it('keeps every file on a rerun with the same seed', () => {
    const lines: string[] = [];
    const again = build((l) => lines.push(l));
    assert.deepEqual(again, entries);
    assert.ok(
      lines.filter((l) => / made, /.test(l)).every((l) => l.includes('(0 made')),
      lines.join('\n'),
    );
  });
});
