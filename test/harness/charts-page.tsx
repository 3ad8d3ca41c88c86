// In-browser harness for test/ui/charts-browser.test.ts: the timeline of a check that
// started at 2:00 and covered 10 s (with a mismatched span at 2:02–2:05) and a distance
// curve, rendered with the extension's own components and theme colours; every seek the
// timeline asks for is recorded in window.seeks.
import { render } from 'preact';
import { DistanceCurve, Timeline } from '../../src/ui/charts';

declare global {
  interface Window {
    seeks: number[];
    harnessReady?: boolean;
  }
}

window.seeks = [];
const timeline = Array.from({ length: 10 }, (_, i) => ({
  t: 120 + i,
  confidence: i >= 2 && i < 5 ? 0.5 : 6,
}));
const segments = [
  { start: 120, end: 122, outcome: 'in-sync' as const, confidence: 0.9 },
  { start: 122, end: 125, outcome: 'mismatch' as const, confidence: 0.95 },
  { start: 125, end: 130, outcome: 'in-sync' as const, confidence: 0.9 },
];
const dists = Array.from({ length: 31 }, (_, k) => 10 - (k === 12 ? 3 : 0));
document.documentElement.style.cssText =
  '--real: #3ccf91; --shifted: #b39dfa; --fake: #f06e6e; --muted: #9aa6b8;';
const root = document.createElement('div');
document.body.append(root);
render(
  <div>
    <DistanceCurve dists={dists} offsetFrames={3} />
    <Timeline
      timeline={timeline}
      threshold={3.5}
      segments={segments}
      checkedFrom={120}
      checkedTo={130}
      width={300}
      height={60}
      onSeek={(t) => window.seeks.push(t)}
    />
  </div>,
  root,
);
window.harnessReady = true;
