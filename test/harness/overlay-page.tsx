// In-browser harness for test/e2e/accessibility.test.ts: the overlay's own view
// (src/content/overlay.tsx → OverlayView, with its stylesheet) pinned over a video, in an
// *open* shadow root — the extension's is closed, which axe-core cannot enter. The test
// sets the state with window.showOverlay(state, expanded) and reads window.seeks.
import { render } from 'preact';
import { OverlayView } from '../../src/content/overlay';
import type { SyncState } from '../../src/core/state';

declare global {
  interface Window {
    showOverlay: (state: SyncState, expanded: boolean) => void;
    seeks: number[];
    harnessReady?: boolean;
  }
}

document.documentElement.lang = 'en';
document.title = 'Overlay harness';
document.body.style.cssText = 'margin: 8px; background: #fff;';
const main = document.createElement('main');
const heading = document.createElement('h1');
heading.textContent = 'A page with a video';
const video = document.createElement('video');
video.width = 640;
video.height = 360;
video.controls = true;
video.style.cssText = 'display: block; background: #000;';
video.setAttribute('aria-label', 'Interview');
main.append(heading, video);
document.body.append(main);

const host = document.createElement('lipsync-lens-overlay');
const root = host.attachShadow({ mode: 'open' });
const box = document.createElement('div');
box.className = 'box';
root.append(box);
document.body.append(host);

window.seeks = [];
window.showOverlay = (state, expanded) => {
  const r = video.getBoundingClientRect();
  box.style.cssText = `left: ${r.left + 8}px; top: ${r.top + 8}px;`;
  render(
    <OverlayView
      state={state}
      expanded={expanded}
      onToggle={() => undefined}
      maxHeight={r.height - 56 - 8 - 30}
      onSeek={(t) => window.seeks.push(t)}
    />,
    box,
  );
};
window.harnessReady = true;
