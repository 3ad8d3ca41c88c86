// Streaming renditions and player pages for the live tests of real players (issue 11):
// HLS and DASH made with ffmpeg at test time from the live test clips (makeMedia), into
// test/.generated/players/<name>-<hash of the input and the arguments> so reruns reuse
// them, with audio and video in separate renditions (an HLS audio group, two DASH
// adaptation sets): the players then feed Media Source two SourceBuffers, one per track,
// the case a single progressive file never exercises. The pages load the libraries' own
// dist files from node_modules on the local test server (no CDN).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { X264_FAST } from '../helpers/media';

export const PLAYERS_DIR = resolve('test/.generated/players');

export type PlayerKind = 'hls.js' | 'dash.js' | 'shaka-player';

/** The libraries' browser builds, served from node_modules by the test server (repository root at /). */
export const PLAYER_SCRIPTS: Record<PlayerKind, string> = {
  'hls.js': '/node_modules/hls.js/dist/hls.min.js',
  'dash.js': '/node_modules/dashjs/dist/modern/umd/dash.all.min.js',
  'shaka-player': '/node_modules/shaka-player/dist/shaka-player.compiled.js',
};

/** The format each player plays in these tests (shaka-player plays DASH here; it reads HLS too). */
export const PLAYER_FORMAT: Record<PlayerKind, 'hls' | 'dash'> = {
  'hls.js': 'hls',
  'dash.js': 'dash',
  'shaka-player': 'dash',
};

/** 2-s segments on a fixed 50-frame GOP (25 fps), so every segment starts on a keyframe. */
const VIDEO = [...X264_FAST, '-g', '50', '-keyint_min', '50', '-sc_threshold', '0'];
const AUDIO = ['-c:a', 'aac', '-b:a', '96k', '-ar', '48000'];

/** The input looped `loops` times, its first video and audio stream encoded as every rendition is. */
const loopedStreams = (loops: number) => [
  '-stream_loop',
  String(loops - 1),
  '-i',
  '{in}',
  '-map',
  '0:v:0',
  '-map',
  '0:a:0',
  ...VIDEO,
  ...AUDIO,
];

function inputHash(input: string, args: string[]): string {
  return createHash('sha256')
    .update(readFileSync(input))
    .update(JSON.stringify(args))
    .digest('hex')
    .slice(0, 12);
}

/** Runs ffmpeg into a fresh folder named by the input's hash, unless that folder is already complete. */
function rendition(name: string, input: string, args: string[], manifest: string): string {
  const dir = join(PLAYERS_DIR, `${name}-${inputHash(input, args)}`);
  if (existsSync(join(dir, manifest)) && statSync(join(dir, manifest)).size > 0) return join(dir, manifest);
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', ...args.map((a) => a.replace('{in}', input))],
    { cwd: tmp },
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return join(dir, manifest);
}

/**
 * `input` (an MP4 with one video and one audio track) looped `loops` times as HLS: fMP4
 * segments, a master playlist whose video variant refers to an audio group with its own
 * media playlist (separate audio and video renditions).
 */
export function makeHls(name: string, input: string, loops = 4): string {
  return rendition(
    `${name}-hls`,
    input,
    [
      ...loopedStreams(loops),
      '-f',
      'hls',
      '-hls_time',
      '2',
      '-hls_playlist_type',
      'vod',
      '-hls_segment_type',
      'fmp4',
      '-hls_fmp4_init_filename',
      'init.mp4',
      '-hls_segment_filename',
      'stream_%v/seg_%03d.m4s',
      '-master_pl_name',
      'master.m3u8',
      '-var_stream_map',
      'v:0,agroup:aud a:0,agroup:aud,default:yes,language:en',
      'stream_%v/index.m3u8',
    ],
    'master.m3u8',
  );
}

/** `input` looped `loops` times as DASH (on-demand, SegmentTemplate): video and audio in separate adaptation sets. */
export function makeDash(name: string, input: string, loops = 4): string {
  return rendition(
    `${name}-dash`,
    input,
    [
      ...loopedStreams(loops),
      '-f',
      'dash',
      '-seg_duration',
      '2',
      '-use_template',
      '1',
      '-use_timeline',
      '1',
      '-adaptation_sets',
      'id=0,streams=v id=1,streams=a',
      'manifest.mpd',
    ],
    'manifest.mpd',
  );
}

/** The rendition `kind` plays of `input`, as a path under the repository root (the test server serves it at /). */
export function playerManifest(kind: PlayerKind, name: string, input: string): string {
  const file = PLAYER_FORMAT[kind] === 'hls' ? makeHls(name, input) : makeDash(name, input);
  return `/${relative(resolve('.'), file)}`;
}

/**
 * The page script that plays `manifestUrl` in #video0 with `kind`. Every SourceBuffer the
 * player adds is recorded in window.sourceBuffers (its MIME type), and a player error in
 * window.playerError (and the title).
 */
export function playerScript(kind: PlayerKind, manifestUrl: string): string {
  const record = `<script>
window.sourceBuffers = [];
const addSourceBuffer = MediaSource.prototype.addSourceBuffer;
MediaSource.prototype.addSourceBuffer = function (type) { window.sourceBuffers.push(type); return addSourceBuffer.call(this, type); };
const fail = (error) => { window.playerError = document.title = String(error && (error.message || error.details || error.code || JSON.stringify(error))); };
</script>
<script src="${PLAYER_SCRIPTS[kind]}"></script>`;
  const url = JSON.stringify(manifestUrl);
  const start: Record<PlayerKind, string> = {
    'hls.js': `const hls = new Hls();
hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) fail(data.details); });
hls.loadSource(${url});
hls.attachMedia(video);
hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(fail));`,
    'dash.js': `const player = dashjs.MediaPlayer().create();
player.on(dashjs.MediaPlayer.events.ERROR, (e) => fail(e.error));
player.initialize(video, ${url}, true);`,
    'shaka-player': `shaka.polyfill.installAll();
const player = new shaka.Player();
player.addEventListener('error', (e) => fail(e.detail));
player.attach(video).then(() => player.load(${url})).then(() => video.play()).catch(fail);`,
  };
  return `${record}
<script>
const video = document.querySelector('#video0');
video.muted = false;
try {
${start[kind]}
} catch (error) { fail(error); }
</script>`;
}
