// npm run check -- <video or folder> [more…] [--audio <file>] [--model embedded|syncnet-v2|syncnet-v4]
//                  [--weights <checkpoint or converted folder>] [--json] [--jobs N] [--report <file.html or folder>]
// Checks local files with the extension's own engine in headless Chromium. Progress goes to
// stderr; verdicts to stdout. A folder is searched recursively for media files (by extension,
// or by a sniff of the first bytes; other files are counted and skipped) and reported as a
// summary table and a totals line (--json: one line per media file, with its `path`).
// --jobs N checks N files at once, each in its own browser (see docs/reports-and-batches.md).
// --report writes the HTML report and its JSON: for one file to the path given (out.html +
// out.json), with a folder or several files one pair per file under the folder given.
// Exit status: 0 when every media file got a verdict (FAKE and can't judge included: the
// check worked), 1 when any could not be checked (or a folder held no media file), 2 on bad
// usage.
import { basename, join } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { Checker, ensureCliExtension, type CheckOutcome, type CheckRequest } from './lib/checker';
import type { ModelChoice } from '../src/engine/types';
import type { PageProgress } from '../src/options/automation';
import {
  cliModel,
  cliReportData,
  extensionVersion,
  humanReport,
  jsonReport,
  writeReport,
} from './lib/check-report';
import { relativePath, scanFolder, summaryTable, totalsLine, type BatchRow } from './lib/check-batch';
import type { ReportModel } from '../src/ui/report';

const USAGE =
  'usage: npm run check -- <video or folder> [more…] [--audio <file>] [--model embedded|syncnet-v2|syncnet-v4] [--weights <checkpoint or converted folder>] [--json] [--jobs N] [--report <file.html or folder>]';
const MODELS: ModelChoice[] = ['embedded', 'syncnet-v2', 'syncnet-v4'];

interface Options {
  videos: string[];
  audio?: string;
  model: ModelChoice;
  weights?: string;
  json: boolean;
  jobs: number;
  report?: string;
}

class UsageError extends Error {}

const isFolder = (path: string) => existsSync(path) && statSync(path).isDirectory();

export function parseArgs(argv: string[]): Options {
  const options: Options = { videos: [], model: 'embedded', json: false, jobs: 1 };
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
    else if (arg === '--report') options.report = value();
    else if (arg === '--jobs') {
      const jobs = Number(value());
      if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16)
        throw new UsageError('--jobs must be a whole number from 1 to 16');
      options.jobs = jobs;
    } else if (arg === '--model') {
      const model = value() as ModelChoice;
      if (!MODELS.includes(model)) throw new UsageError(`--model must be one of ${MODELS.join(', ')}`);
      options.model = model;
    } else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else options.videos.push(arg);
  }
  if (options.videos.length === 0) throw new UsageError('no video given');
  if (options.audio && (options.videos.length > 1 || isFolder(options.videos[0])))
    throw new UsageError('--audio applies to one video at a time');
  if (options.model !== 'embedded' && !options.weights)
    throw new UsageError(`--model ${options.model} needs --weights`);
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
        if (
          !tty &&
          Math.round(progress.fraction * 10) === Math.round(Number(/(\d+)%/.exec(lastLine)?.[1] ?? -100) / 10)
        )
          return;
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

/** One media file to check: its path, and how the table, the JSON and the report folder name it. */
interface Item {
  video: string;
  shown: string;
}

/** Checks `items` on `jobs` browsers at once; `emit` gets each row in the items' order, as soon as its turn comes. */
async function runAll(
  items: Item[],
  options: Options,
  emit: (item: Item, row: BatchRow) => void,
): Promise<void> {
  const rows: (BatchRow | undefined)[] = new Array(items.length);
  let next = 0;
  let flushed = 0;
  const jobs = Math.min(options.jobs, items.length);
  const worker = async () => {
    // One progress bar on a single job; several jobs print a line per finished file instead.
    let printer = progressPrinter('');
    let checker: Checker | null = null;
    try {
      while (next < items.length) {
        const index = next++;
        const item = items[index];
        printer = progressPrinter(item.shown);
        let outcome: CheckOutcome;
        // A file's time is its check; starting the browser (once per job) is not counted in it.
        let started = performance.now();
        try {
          if (!checker) {
            checker = await Checker.open(jobs === 1 ? (p) => printer.update(p) : undefined);
            started = performance.now();
          }
          const request: CheckRequest = {
            video: item.video,
            audio: options.audio,
            model: options.model,
            weights: options.weights,
          };
          outcome = await checker.check(request, (why) => {
            printer.done();
            process.stderr.write(
              `check: ${item.shown}: Chromium cannot play it (${why}); ffmpeg converts it to H.264 as the check goes\n`,
            );
          });
        } catch (error) {
          // The browser itself failed (crashed, closed): this file failed; the next gets a fresh one.
          outcome = {
            ok: false,
            error: `${item.shown}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
          };
          await checker?.close().catch(() => undefined);
          checker = null;
        }
        printer.done();
        // The page names the file by its base name; a folder's table names it by its path there.
        if (!outcome.ok && outcome.error.startsWith(`${basename(item.video)}: `))
          outcome = { ok: false, error: `${item.shown}${outcome.error.slice(basename(item.video).length)}` };
        const row: BatchRow = { path: item.shown, seconds: (performance.now() - started) / 1000, outcome };
        if (jobs > 1)
          process.stderr.write(
            `check: [${index + 1}/${items.length}] ${item.shown}: ${outcome.ok ? outcome.result.verdict : 'failed'} (${row.seconds.toFixed(1)} s)\n`,
          );
        rows[index] = row;
        while (flushed < items.length && rows[flushed]) {
          emit(items[flushed], rows[flushed]!);
          flushed++;
        }
      }
    } finally {
      await checker?.close();
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
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
  // Folders become their media files; a named file is checked whatever its extension.
  const folderMode = options.videos.some(isFolder);
  const items: Item[] = [];
  let skipped = 0;
  for (const path of options.videos) {
    if (isFolder(path)) {
      const scan = scanFolder(path);
      skipped += scan.skipped.length;
      if (scan.media.length === 0)
        process.stderr.write(`check: ${path}: no media files (${scan.skipped.length} other files)\n`);
      items.push(...scan.media.map((video) => ({ video, shown: relativePath(path, video) })));
    } else items.push({ video: path, shown: folderMode ? path : basename(path) });
  }
  if (items.length === 0) return 1;
  // --report: a file for one video, a folder otherwise.
  const reportFolder = options.report && (folderMode || items.length > 1) ? options.report : null;
  if (options.report && reportFolder && /\.html?$/i.test(reportFolder)) {
    process.stderr.write(
      `check: --report names a folder when checking a folder or several files (got ${reportFolder})\n${USAGE}\n`,
    );
    return 2;
  }

  if (!ensureCliExtension((line) => process.stderr.write(`check: ${line}\n`))) return 1;
  let reportModel: ReportModel | null = null;
  const version = extensionVersion();
  const started = performance.now();
  const rows: BatchRow[] = [];
  const failures: string[] = [];
  await runAll(items, options, (item, row) => {
    rows.push(row);
    const outcome = row.outcome;
    if (!outcome.ok) {
      failures.push(outcome.error);
      process.stderr.write(`check: ${outcome.error}\n`);
      if (folderMode && options.json)
        process.stdout.write(
          `${JSON.stringify({ file: item.video, path: item.shown, error: outcome.error })}\n`,
        );
      return;
    }
    if (options.report) {
      reportModel ??= cliModel(options.model, options.weights);
      const data = cliReportData(item.video, outcome.result, {
        audio: options.audio,
        model: reportModel,
        version,
        checkedAt: new Date(),
      });
      const written = writeReport(
        reportFolder ? join(reportFolder, `${item.shown.replace(/^(\.\.\/)+/, '')}.html`) : options.report,
        data,
      );
      process.stderr.write(`check: report ${written.html} (+ ${basename(written.json)})\n`);
    }
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          ...jsonReport(item.video, outcome.result),
          ...(outcome.transcoded ? { transcoded: outcome.transcoded } : {}),
          ...(folderMode ? { path: item.shown } : {}),
        })}\n`,
      );
    } else if (!folderMode) process.stdout.write(`${humanReport(item.video, outcome.result)}\n`);
  });
  if (folderMode && !options.json) {
    process.stdout.write(
      `${summaryTable(rows)}\n${totalsLine(rows, skipped, (performance.now() - started) / 1000)}\n`,
    );
    if (failures.length) process.stdout.write(`${failures.map((f) => `failed: ${f}`).join('\n')}\n`);
  }
  return failures.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`check: ${error.message}\n`);
    process.exit(1);
  },
);
