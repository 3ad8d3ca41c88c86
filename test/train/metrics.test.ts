// ROC / AUC and the threshold sweep against hand-computed values, plus the fold split
// and the SVG figures of the evaluation report.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseThreshold, confusionAt, rocAuc, rocCurve, thresholdSweep } from '../../src/core/train/metrics';
import { speakerFolds } from '../../src/core/train/folds';
import { histogramSvg, rocSvg } from '../../src/core/train/plots';

describe('ROC and AUC', () => {
  it('equals the Mann–Whitney statistic with ties counted half', () => {
    // real > fake pairs: 0.9 beats all 3; 0.8 beats 0.5 and 0.3, ties 0.8; 0.4 beats 0.3 → 6.5 / 9.
    assert.ok(Math.abs(rocAuc([0.9, 0.8, 0.4], [0.5, 0.3, 0.8]) - 6.5 / 9) < 1e-12);
    assert.equal(rocAuc([3, 4], [1, 2]), 1);
    assert.equal(rocAuc([1, 2], [3, 4]), 0);
    assert.equal(rocAuc([1, 1], [1, 1]), 0.5);
  });

  it('runs from (0,0) to (1,1) with one point per distinct score', () => {
    const points = rocCurve([0.9, 0.8, 0.4], [0.5, 0.3, 0.8]);
    assert.deepEqual(points[0], { threshold: Infinity, fpr: 0, tpr: 0 });
    assert.deepEqual(points.at(-1), { threshold: 0.3, fpr: 1, tpr: 1 });
    assert.equal(points.length, 1 + 5);
    // At threshold 0.8 (score ≥ 0.8 called real): reals 0.9, 0.8 and fake 0.8.
    assert.deepEqual(points[2], { threshold: 0.8, fpr: 1 / 3, tpr: 2 / 3 });
    assert.throws(() => rocCurve([], [1]), /at least one/);
    assert.throws(() => rocCurve([NaN], [1]), /not finite/);
  });
});

describe('threshold sweep', () => {
  it('counts fakes below the threshold as detected', () => {
    const row = confusionAt([2, 3, 4, 5], [1, 1.5, 3.5], 3.2);
    assert.equal(row.truePositives, 2); // fakes 1, 1.5
    assert.equal(row.falsePositives, 2); // reals 2, 3
    assert.equal(row.precision, 0.5);
    assert.ok(Math.abs(row.recall - 2 / 3) < 1e-12);
    assert.ok(Math.abs(row.f1 - (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3)) < 1e-12);
    assert.equal(row.accuracy, 4 / 7);
  });

  it('sweeps every decision boundary and chooses the best F1 at the precision floor', () => {
    const real = [2, 3, 4, 5];
    const fake = [1, 1.5, 3.5];
    const rows = thresholdSweep(real, fake);
    assert.ok(rows.every((r, i) => i === 0 || r.threshold >= rows[i - 1].threshold));
    const choice = chooseThreshold(rows, 0.9);
    // Precision 1 holds up to threshold 2 (fakes 1, 1.5 caught, no real): F1 = 0.8.
    assert.ok(choice.row.threshold > 1.5 && choice.row.threshold <= 2, `threshold ${choice.row.threshold}`);
    assert.equal(choice.row.precision, 1);
    assert.ok(Math.abs(choice.row.f1 - 0.8) < 1e-12);
    assert.match(choice.rule, /precision/);
    const none = chooseThreshold(thresholdSweep([1], [2]), 0.99);
    assert.match(none.rule, /no threshold reached/);
  });
});

describe('speaker folds', () => {
  it('puts each speaker in exactly one fold and balances seconds', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ speaker: `s${i % 13}`, seconds: 5 + (i % 7) }));
    const folds = speakerFolds(items, 4, 1);
    assert.equal(folds.size, 13);
    const load = [0, 0, 0, 0];
    for (const it of items) load[folds.get(it.speaker)!] += it.seconds;
    assert.ok(Math.max(...load) - Math.min(...load) <= 25, `loads ${load}`);
    assert.deepEqual(speakerFolds(items, 4, 1), folds, 'deterministic');
    assert.throws(() => speakerFolds(items, 1, 1), /at least 2/);
  });
});

describe('report figures', () => {
  it('draws one bar per non-empty bin per series, the threshold and the ROC path', () => {
    const svg = histogramSvg(
      't',
      [
        { label: 'real', values: [0.55, 0.57, 0.9], colour: '#0a0' },
        { label: 'fake', values: [0.1, 0.12], colour: '#a00' },
      ],
      { bins: 10, threshold: 0.3 },
    );
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal(
      (svg.match(/fill-opacity="0.35"/g) ?? []).length,
      3,
      'bars: real 0.55/0.57 share a bin, 0.9; fake 0.1/0.12 share a bin',
    );
    assert.match(svg, /threshold 0.30/);
    assert.match(svg, /real \(n = 3\)/);
    const roc = rocSvg('r', rocCurve([2, 3], [1, 2.5]), 0.75);
    assert.match(roc, /AUC = 0.750/);
    assert.match(roc, /<path d="M60.00,350.00 /);
  });
});
