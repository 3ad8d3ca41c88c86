// npm run train-speech [-- --media ../shared/media] [--write]
//
// Fits the speech detector's candidates on the train split of the shared media
// (scripts/lib/speech-data.ts), reports held-out figures per condition for each of them and
// for the old "louder than −45 dBFS" rule, and with --write saves the shipped model (the
// MLP) to src/core/audio/speech-model.json. Seeded: the same media give the same file.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  NUM_FEATURES,
  rowCount,
  speechFeatureRows,
  type SpeechFeatureRows,
} from '../src/core/audio/speech-features';
import {
  applySpeechModel,
  speechProbabilities,
  speechProbabilitiesRange,
  SYNCNET_WINDOW_ROWS,
  windowSpeech,
  type SpeechModel,
} from '../src/core/audio/speech';
import { buildItems, type Condition, type Item } from './lib/speech-data';
import {
  fitNetwork,
  fitRule,
  GATE_DB,
  ruleSays,
  type SpectralRule,
  type TrainingRows,
} from './lib/speech-fit';
import { levelDb } from './lib/sounds';

const SEED = 20261202;
const OLD_RULE_DB = -45; // src/engine/engine.ts SPEECH_LEVEL_DB
const TRAIN_ROW_STRIDE = 3; // neighbouring rows share most of their context
const WINDOW_STRIDE = 4;
const HIDDEN = 12; // one SyncNet window per 25-fps video frame

const args = process.argv.slice(2);
const mediaDir = resolve(args.includes('--media') ? args[args.indexOf('--media') + 1] : '../shared/media');

interface Featured extends Item {
  readonly features: SpeechFeatureRows;
}

function trainingRows(items: Featured[]): TrainingRows {
  const picked: { item: Featured; row: number }[] = [];
  for (const item of items)
    for (let r = 0; r < item.features.rows; r += TRAIN_ROW_STRIDE)
      if (item.features.contextMaxDb[r] >= GATE_DB) picked.push({ item, row: r });
  // Speech and non-speech rows weigh the same in total.
  const positives = picked.filter((p) => p.item.labels[p.row]).length;
  const x = new Float32Array(picked.length * NUM_FEATURES);
  const y = new Uint8Array(picked.length);
  const weight = new Float32Array(picked.length);
  picked.forEach(({ item, row }, i) => {
    x.set(item.features.data.subarray(row * NUM_FEATURES, (row + 1) * NUM_FEATURES), i * NUM_FEATURES);
    y[i] = item.labels[row];
    weight[i] = (y[i] ? picked.length / positives : picked.length / (picked.length - positives)) / 2;
  });
  return { x, y, weight };
}

type Detector = { name: string; rows: (item: Featured) => Float32Array; windowLevel?: boolean };

function ruleRows(rule: SpectralRule, item: Featured): Float32Array {
  return Float32Array.from({ length: item.features.rows }, (_, r) =>
    item.features.contextMaxDb[r] >= GATE_DB && ruleSays(rule, item.features.data, r) ? 1 : 0,
  );
}

/** The old rule: a row (a window) is speech when its RMS level exceeds −45 dBFS. */
function oldRule(item: Featured, start: number, rows: number): number {
  return levelDb(item.samples.subarray(start * 160, start * 160 + rows * 160)) > OLD_RULE_DB ? 1 : 0;
}

interface Tally {
  rows: number;
  rowsRight: number;
  speechWindows: number;
  speechCalled: number;
  otherWindows: number;
  otherCalled: number;
}

function evaluate(items: Featured[], detector: Detector | 'old'): Map<Condition, Tally> {
  const byCondition = new Map<Condition, Tally>();
  for (const item of items) {
    const t = byCondition.get(item.condition) ?? {
      rows: 0,
      rowsRight: 0,
      speechWindows: 0,
      speechCalled: 0,
      otherWindows: 0,
      otherCalled: 0,
    };
    byCondition.set(item.condition, t);
    const probs =
      detector === 'old'
        ? Float32Array.from({ length: item.features.rows }, (_, r) => oldRule(item, r, 2.5))
        : detector.rows(item);
    for (let r = 0; r < probs.length; r++) {
      t.rows++;
      if (probs[r] >= 0.5 === (item.labels[r] === 1)) t.rowsRight++;
    }
    for (let start = 0; start + SYNCNET_WINDOW_ROWS <= probs.length; start += WINDOW_STRIDE) {
      let speechRows = 0;
      for (let r = start; r < start + SYNCNET_WINDOW_ROWS; r++) speechRows += item.labels[r];
      const truth = speechRows * 2 >= SYNCNET_WINDOW_ROWS;
      const called =
        (detector === 'old' ? oldRule(item, start, SYNCNET_WINDOW_ROWS) : windowSpeech(probs, start)) >= 0.5;
      if (truth) [t.speechWindows, t.speechCalled] = [t.speechWindows + 1, t.speechCalled + (called ? 1 : 0)];
      else [t.otherWindows, t.otherCalled] = [t.otherWindows + 1, t.otherCalled + (called ? 1 : 0)];
    }
  }
  return byCondition;
}

const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)} %`);

function report(items: Featured[], detectors: (Detector | 'old')[]): void {
  console.log(
    '| condition | detector | rows right | speech windows called speech | non-speech windows called speech |',
  );
  console.log('|---|---|---|---|---|');
  const results = detectors.map((d) => ({
    name: d === 'old' ? 'old: level > −45 dBFS' : d.name,
    tallies: evaluate(items, d),
  }));
  const conditions = [...new Set(items.map((i) => i.condition))];
  for (const condition of conditions) {
    for (const { name, tallies } of results) {
      const t = tallies.get(condition)!;
      const speech = `${pct(t.speechCalled, t.speechWindows)} (of ${t.speechWindows})`;
      const other = `${pct(t.otherCalled, t.otherWindows)} (of ${t.otherWindows})`;
      console.log(`| ${condition} | ${name} | ${pct(t.rowsRight, t.rows)} | ${speech} | ${other} |`);
    }
  }
}

/** CPU µs per row (not wall time: the machine this runs on may be shared), whole signal or in chunks of `chunkRows`. */
function speedPerRow(model: SpeechModel, chunkRows = 0): number {
  const samples = Int16Array.from({ length: 60 * 16000 }, (_, i) =>
    Math.round(8000 * Math.sin(i * 0.05) * Math.sin(i * 0.0017)),
  );
  speechProbabilities(samples.subarray(0, 16000), model);
  const rows = rowCount(samples.length);
  const start = process.cpuUsage();
  if (chunkRows === 0) speechProbabilities(samples, model);
  else
    for (let from = 0; from < rows; from += chunkRows)
      speechProbabilitiesRange(samples, from, from + chunkRows, model);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / rows;
}

function main(): void {
  const t0 = performance.now();
  const items: Featured[] = buildItems(mediaDir, SEED).map((item) => ({
    ...item,
    features: speechFeatureRows(item.samples),
  }));
  const train = items.filter((i) => i.split === 'train');
  const test = items.filter((i) => i.split === 'test');
  const rows = trainingRows(train);
  console.log(
    `items: ${train.length} train, ${test.length} test; ${rows.y.length} training rows; features in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `test clips: ${test
      .filter((i) => i.condition === 'clean speech')
      .map((i) => i.name)
      .join(', ')}`,
  );
  console.log(
    `test music: ${[...new Set(test.filter((i) => i.condition === 'music only').map((i) => i.name.split(' ')[0]))].join(', ')}`,
  );

  const rule = fitRule(rows);
  console.log(
    `rule (a): mod4Hz > ${rule.mod4Hz.toFixed(3)}, flatness < ${rule.flatness.toFixed(3)}, ltsv > ${rule.ltsv.toFixed(2)} dB`,
  );
  const logistic = fitNetwork(rows, 0, SEED);
  const mlp = fitNetwork(rows, HIDDEN, SEED);
  const detectors: (Detector | 'old')[] = [
    'old',
    { name: '(a) spectral rule', rows: (item) => ruleRows(rule, item) },
    { name: '(b) logistic', rows: (item) => applySpeechModel(item.features, logistic) },
    { name: `(b) MLP ${NUM_FEATURES}-${HIDDEN}-1`, rows: (item) => applySpeechModel(item.features, mlp) },
  ];
  console.log(
    "\nHeld-out speakers and music (per row: p ≥ 0.5 vs the clean clip's energy label; per 0.2-s window every 40 ms: mean p ≥ 0.5):\n",
  );
  report(test, detectors);
  console.log('\nMLP operating points (windowSpeech ≥ threshold), held out:');
  console.log(
    '| threshold | clean speech windows called speech | speech under music (−10 dB) | music-only windows called speech |',
  );
  console.log('|---|---|---|---|');
  for (const threshold of [0.3, 0.5, 0.7, 0.8, 0.9]) {
    const called = (condition: Condition, speech: boolean) => {
      let hits = 0;
      let total = 0;
      for (const item of test.filter((i) => i.condition === condition)) {
        const probs = applySpeechModel(item.features, mlp);
        for (let start = 0; start + SYNCNET_WINDOW_ROWS <= probs.length; start += WINDOW_STRIDE) {
          const labelled =
            item.labels.subarray(start, start + SYNCNET_WINDOW_ROWS).reduce((a, b) => a + b, 0) * 2 >=
            SYNCNET_WINDOW_ROWS;
          if (labelled !== speech) continue;
          total++;
          if (windowSpeech(probs, start) >= threshold) hits++;
        }
      }
      return pct(hits, total);
    };
    console.log(
      `| ${threshold} | ${called('clean speech', true)} | ${called('speech under music', true)} | ${called('music only', false)} |`,
    );
  }
  console.log('\nMusic-only windows called speech by the MLP, per held-out item:');
  for (const item of test.filter(
    (i) => i.condition === 'music only' || i.condition === 'chords (synthetic)',
  )) {
    const probs = applySpeechModel(item.features, mlp);
    let called = 0;
    let windows = 0;
    for (let start = 0; start + SYNCNET_WINDOW_ROWS <= probs.length; start += WINDOW_STRIDE, windows++)
      if (windowSpeech(probs, start) >= 0.5) called++;
    console.log(`  ${item.name}: ${pct(called, windows)}`);
  }
  console.log(
    `\ncost: ${speedPerRow(mlp).toFixed(1)} µs of CPU per 10-ms row (features + MLP, 60 s of audio at once, one thread)`,
  );
  for (const chunk of [20, 100])
    console.log(`cost in ${chunk}-row range calls: ${speedPerRow(mlp, chunk).toFixed(1)} µs of CPU per row`);
  if (args.includes('--write')) {
    writeFileSync('src/core/audio/speech-model.json', `${JSON.stringify(mlp, null, 1)}\n`);
    console.log('wrote src/core/audio/speech-model.json');
  }
}

main();
