// npm run check -- <video> [more videos…] [--audio <file>] [--model embedded|syncnet-v2|syncnet-v4]
//                  [--weights <checkpoint or converted folder>] [--json]
// Checks local files with the extension's own engine in headless Chromium (one browser for
// all files). Progress goes to stderr; the verdict to stdout. Exit status: 0 when every
// file got a verdict (cannot-judge included), 1 when a file could not be checked, 2 on
// bad usage.
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Checker, type CheckRequest } from './lib/checker';
import type { ModelChoice } from '../src/engine/types';
import type { PageProgress } from '../src/options/check';
import { humanReport, jsonReport } from './lib/check-report';

const USAGE = 'usage: npm run check -- <video> [more videos…] [--audio <file>] [--model embedded|syncnet-v2|syncnet-v4] [--weights <checkpoint or converted folder>] [--json]';
const MODELS: ModelChoice[] = ['embedded', 'syncnet-v2', 'syncnet-v4'];

interface Options {
  videos: string[];
  audio?: string;
  model: ModelChoice;
  weights?: string;
  json: boolean;
}

class UsageError extends Error {}

export function parseArgs(argv: string[]): Options {
  const options: Options = { videos: [], model: 'embedded', json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--json') options.json = true;
    else if (arg === '--audio') options.audio = value();
    else if (arg === '--weights') options.weights = value();
    else if (arg === '--model') {
      const model = value() as ModelChoice;
      if (!MODELS.includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}`);
      options.model = model;
    } else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else options.videos.push(arg);
  }
  if (options.videos.length === 0) throw new UsageError('no video given');
  if (options.audio && options.videos.length > 1) throw new UsageError('--audio applies to one video at a time');
  if (options.model !== 'embedded' && !options.weights) throw new UsageError(`--model ${options.model} needs --weights`);
  return options;
}

/** A one-line progress bar on stderr (rewritten in place on a terminal, sparse lines otherwise). */
function progressPrinter(label: string) {
  const tty = process.stderr.isTTY;
  let lastLine = '';
  return {
    update(progress: PageProgress) {
      let line: string;
      if (progress.phase === 'frames') {
        const width = 24;
        const filled = Math.round(progress.fraction * width);
        line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(progress.fraction * 100)}% ${progress.mediaTime.toFixed(1)}/${progress.duration.toFixed(1)} s`;
        if (!tty && Math.round(progress.fraction * 10) === Math.round(Number(/(\d+)%/.exec(lastLine)?.[1] ?? -100) / 10)) return;
      } else {
        line = `${label} ${progress.phase === 'loading' ? `loading ${progress.what}` : progress.phase}…`;
      }
      if (line === lastLine) return;
      lastLine = line;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
    done() {
      if (tty && lastLine) process.stderr.write('\r\x1b[K');
      lastLine = '';
    },
  };
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message ? `check: ${error.message}\n` : ''}${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (!existsSync('dist/chrome/manifest.json')) {
    process.stderr.write('check: building the extension first…\n');
    if (spawnSync(process.execPath, ['scripts/build.mjs', 'chrome'], { stdio: 'inherit' }).status !== 0) return 1;
  }
  let printer = progressPrinter('');
  const checker = await Checker.open((p) => printer.update(p));
  let failures = 0;
  try {
    for (const video of options.videos) {
      printer = progressPrinter(basename(video));
      const request: CheckRequest = { video, audio: options.audio, model: options.model, weights: options.weights };
      const outcome = await checker.check(request);
      printer.done();
      if (!outcome.ok) {
        failures++;
        process.stderr.write(`check: ${outcome.error}\n`);
        continue;
      }
      if (outcome.transcoded) process.stderr.write(`check: ${basename(video)} was transcoded with ffmpeg first (Chromium cannot play its format)\n`);
      process.stdout.write(options.json ? `${JSON.stringify(jsonReport(video, outcome.result))}\n` : `${humanReport(video, outcome.result)}\n`);
    }
  } finally {
    await checker.close();
  }
  return failures > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`check: ${error.message}\n`);
    process.exit(1);
  },
);
