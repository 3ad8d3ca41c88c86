// ffmpeg argument lists for each condition's recipe (conditions-plan.ts). Outputs are
// MP4, H.264 yuv420p at 25 fps (the social re-encode: 15 fps) and AAC mono 48 kHz, so the
// extension's WebCodecs path reads them whatever the source was (MPEG-1 .mpg, MPEG-4
// Part 2, HEVC, .mov). No filter resets a source's timestamps on its own: ffmpeg starts
// each input at its earliest stream, so a clip's own audio/video alignment survives, and
// aresample's first_pts=0 pads a late-starting audio track with silence instead of
// pulling it forward.
import type { MusicTrack, Recipe, SourceClip } from './conditions-plan';
import { FRAME_S } from './conditions-plan';

/** Longest side of the re-encoded picture (keeps the set small; faces stay well over the landmarker's minimum). */
const MAX_SIDE = 640;
const H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'];
const AAC = ['-c:a', 'aac', '-b:a', '96k', '-ac', '1', '-ar', '48000'];

const even = (v: number): number => Math.max(2, 2 * Math.round(v / 2));

/** The clip's output size: its own, scaled down to fit MAX_SIDE. */
export function outputSize(clip: Pick<SourceClip, 'width' | 'height'>): { w: number; h: number } {
  const s = Math.min(1, MAX_SIDE / Math.max(clip.width, clip.height));
  return { w: even(clip.width * s), h: even(clip.height * s) };
}

type Size = { w: number; h: number };
const sec = (s: number): string => s.toFixed(3);

/** A video input made exactly `d` seconds of 25-fps frames at size `size` (letterboxed when the aspect differs). */
function videoChain(size: Size, d: number, fps = 25): string {
  return [
    `scale=${size.w}:${size.h}:force_original_aspect_ratio=decrease`,
    `pad=${size.w}:${size.h}:(ow-iw)/2:(oh-ih)/2`,
    'setsar=1',
    `fps=${fps}:start_time=0`,
    'format=yuv420p',
    // A video track shorter than the audio is held on its last frame rather than ending early.
    'tpad=stop_mode=clone:stop_duration=2',
    `trim=duration=${sec(d)}`,
  ].join(',');
}

const AUDIO_IN = 'aresample=48000:async=1:first_pts=0,aformat=sample_fmts=fltp:channel_layouts=mono';
/** An audio input (after `extra` filters) padded or cut to exactly `d` seconds. */
const audioChain = (d: number, extra: string[] = []): string =>
  [AUDIO_IN, ...extra, 'apad', `atrim=duration=${sec(d)}`].join(',');
const gain = (db: number): string => `volume=${db.toFixed(2)}dB`;
/** Sound heard k frames early (k > 0: its first k·40 ms dropped) or late (k < 0: delayed). */
const moveSound = (k: number): string =>
  k >= 0 ? `atrim=start=${sec(k * FRAME_S)},asetpts=PTS-STARTPTS` : `adelay=${-k * 40}:all=1`;

/** A shot laid over the base picture from span.start to span.end (frames shifted onto the span). */
const overlayShot = (shot: string, span: { start: number; end: number }): string[] => [
  `${shot},setpts=PTS-STARTPTS+${sec(span.start)}/TB[shot]`,
  `[base][shot]overlay=eof_action=pass:enable='between(t,${sec(span.start)},${sec(span.end - FRAME_S / 2)})'[v]`,
];

const musicInput = (m: MusicTrack, start: number): string[] => [
  '-stream_loop',
  '-1',
  '-ss',
  sec(start),
  '-i',
  m.path,
];

interface Graph {
  inputs: string[];
  filters: string[];
  encode?: string[];
}

/** Inputs and filter graph (ending in [v] and [a]) for one recipe. */
function graphFor(clip: SourceClip, recipe: Recipe): Graph {
  const size = outputSize(clip);
  const d = clip.durationS;
  const own = ['-i', clip.path];
  const base = `[0:v]${videoChain(size, d)}`;
  switch (recipe.kind) {
    case 'music-only':
      return {
        inputs: [...own, ...musicInput(recipe.music, recipe.musicStart)],
        filters: [`${base}[v]`, `[1:a]${audioChain(d, [gain(recipe.musicGainDb)])}[a]`],
      };
    case 'speech-under-music':
      return {
        inputs: [...own, ...musicInput(recipe.music, recipe.musicStart)],
        filters: [
          `${base}[v]`,
          `[0:a]${audioChain(d)}[s]`,
          `[1:a]${audioChain(d, [gain(recipe.musicGainDb)])}[m]`,
          '[s][m]amix=inputs=2:duration=first:normalize=0[a]',
        ],
      };
    case 'cutaway': {
      const seconds = sec(recipe.span.end - recipe.span.start);
      const scene =
        `gradients=s=${size.w}x${size.h}:r=25:d=${seconds}:speed=0.03:n=4:` +
        `seed=${Math.round(recipe.span.start * 1000)},format=yuv420p`;
      return {
        inputs: own,
        filters: [`${base}[base]`, ...overlayShot(scene, recipe.span), `[0:a]${audioChain(d)}[a]`],
      };
    }
    case 'listener': {
      const frames = Math.round((recipe.span.end - recipe.span.start) / FRAME_S);
      // The donor's first frame held still with a slow zoom (so it is not a frozen picture).
      const still =
        `[1:v]trim=end_frame=1,scale=${size.w}:${size.h}:force_original_aspect_ratio=increase,` +
        `crop=${size.w}:${size.h},setsar=1,` +
        `zoompan=z='1+0.0015*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=${frames}:s=${size.w}x${size.h}:fps=25,format=yuv420p`;
      return {
        inputs: [...own, '-t', '1', '-i', recipe.donor.path],
        filters: [`${base}[base]`, ...overlayShot(still, recipe.span), `[0:a]${audioChain(d)}[a]`],
      };
    }
    case 'two-speakers':
    case 'turn-shift':
    case 'turn-swap': {
      const db = recipe.donorDurationS;
      // turn-swap: the second person's picture with a third person's voice (input 2, looped from its speech).
      const voice =
        recipe.kind === 'turn-swap'
          ? ['-stream_loop', '-1', '-ss', sec(recipe.voiceStart), '-i', recipe.voice.path]
          : [];
      // turn-shift: the second person's own sound moved as the shift condition moves a clip's.
      const secondSound =
        recipe.kind === 'turn-swap'
          ? `[2:a]${audioChain(db, [gain(recipe.voiceGainDb)])}`
          : `[1:a]${audioChain(db, recipe.kind === 'turn-shift' ? [moveSound(recipe.frames)] : [])}`;
      return {
        inputs: [...own, '-t', sec(db + 1), '-i', recipe.donor.path, ...voice],
        filters: [
          `${base}[va]`,
          `[0:a]${audioChain(d)}[aa]`,
          `[1:v]${videoChain(size, db)}[vb]`,
          `${secondSound}[ab]`,
          '[va][aa][vb][ab]concat=n=2:v=1:a=1[v][a]',
        ],
      };
    }
    case 'partial-swap': {
      const { start, end } = recipe.span;
      return {
        inputs: [...own, '-i', recipe.donor.path],
        filters: [
          `${base}[v]`,
          `[0:a]${AUDIO_IN},asplit=2[o1][o2]`,
          `[o1]atrim=end=${sec(start)}[p0]`,
          `[1:a]${AUDIO_IN},atrim=start=${sec(recipe.donorStart)}:duration=${sec(end - start)},asetpts=PTS-STARTPTS,${gain(recipe.donorGainDb)}[p1]`,
          `[o2]atrim=start=${sec(end)},asetpts=PTS-STARTPTS[p2]`,
          `[p0][p1][p2]concat=n=3:v=0:a=1,apad,atrim=duration=${sec(d)}[a]`,
        ],
      };
    }
    case 'reencode': {
      const h = Math.min(360, clip.height);
      const small = { w: even((clip.width * h) / clip.height), h };
      return {
        inputs: own,
        filters: [`[0:v]${videoChain(small, d, 15)}[v]`, `[0:a]${audioChain(d)}[a]`],
        encode: [
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-crf',
          '36',
          '-pix_fmt',
          'yuv420p',
          '-c:a',
          'aac',
          '-b:a',
          '32k',
          '-ac',
          '1',
          '-ar',
          '48000',
        ],
      };
    }
    case 'swap':
      return {
        inputs: [...own, '-stream_loop', '-1', '-ss', sec(recipe.donorStart), '-i', recipe.donor.path],
        filters: [`${base}[v]`, `[1:a]${audioChain(d, [gain(recipe.donorGainDb)])}[a]`],
      };
    case 'shift':
      return { inputs: own, filters: [`${base}[v]`, `[0:a]${audioChain(d, [moveSound(recipe.frames)])}[a]`] };
  }
}

/** The full ffmpeg argument list (without the binary) writing `out` as MP4. */
export function ffmpegArgs(clip: SourceClip, recipe: Recipe, out: string): string[] {
  const g = graphFor(clip, recipe);
  return [
    '-v',
    'error',
    '-nostdin',
    '-y',
    ...g.inputs,
    '-filter_complex',
    g.filters.join(';'),
    '-map',
    '[v]',
    '-map',
    '[a]',
    ...(g.encode ?? [...H264, ...AAC]),
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    out,
  ];
}
