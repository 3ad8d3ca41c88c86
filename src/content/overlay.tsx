// The on-video badge: a closed shadow root (the page's scripts and styles cannot reach
// into it) pinned to the picture's top-left corner — the page's controls sit along the
// bottom — showing the state and confidence; a click expands the distance curve and the
// timeline of the checked span (a click or Enter there seeks this video, in media time),
// kept clear of the bottom 56 px of the picture. remove() takes everything away.
import { render } from 'preact';
import type { SyncState } from '../core/state';
import { DistanceCurve, Timeline } from '../ui/charts';
import { pictureRect } from '../shared/capture-geometry';
import { t } from '../shared/i18n';
import { announcement, shownEvidence, stateLook } from '../shared/state-look';
import { ErrorMessage, LiveRegion } from '../ui/messages';

/** Space kept free at the bottom of the picture for the player's controls. */
const CONTROLS_CLEARANCE = 56;
const INSET = 8;

const STYLE = `
:host { all: initial; }
.box { position: fixed; z-index: 2147483646; font: 12px/1.35 system-ui, sans-serif; color: #e9edf3; --real: #3ccf91; --shifted: #b39dfa; --fake: #f06e6e; --muted: #9aa6b8; }
.pill { display: inline-flex; gap: 6px; align-items: center; background: rgba(24, 31, 44, 0.88); border-radius: 12px; padding: 3px 9px;
  cursor: pointer; user-select: none; border: 0; color: inherit; font: inherit; box-shadow: 0 1px 4px rgba(0,0,0,.4); }
.dot { width: 8px; height: 8px; border-radius: 50%; }
.panel { margin-top: 6px; background: rgba(24, 31, 44, 0.94); border-radius: 8px; padding: 8px; overflow: hidden; max-width: 320px; }
.panel p { margin: 0 0 6px; }
.muted { color: #9aa6b8; }
.timeline:focus-visible, .pill:focus-visible, summary:focus-visible { outline: 2px solid #50c8a0; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.error-detail summary { cursor: pointer; color: #9aa6b8; } .error-detail code { display: block; white-space: pre-wrap; word-break: break-word; color: #9aa6b8; }
`;

export interface OverlayViewProps {
  state: SyncState;
  expanded: boolean;
  onToggle: () => void;
  maxHeight: number;
  onSeek: (mediaTime: number) => void;
}

/** The badge and its panel (exported for the accessibility harness: the shadow root is closed to axe). */
export function OverlayView({ state, expanded, onToggle, maxHeight, onSeek }: OverlayViewProps) {
  const look = stateLook(state);
  const evidence = shownEvidence(state);
  return (
    <div>
      <style>{STYLE}</style>
      <LiveRegion text={announcement(state)} />
      <button
        class="pill"
        data-tone={look.tone}
        title={look.sentence}
        aria-expanded={expanded}
        onClick={onToggle}
      >
        <span class="dot" style={{ background: look.color }} />
        <span class="label">{look.label}</span>
        {evidence && <span class="muted">{evidence.confidence.toFixed(2)}</span>}
      </button>
      {expanded && maxHeight > 40 && (
        <div class="panel" style={{ maxHeight: `${maxHeight}px` }}>
          <p>{look.sentence}</p>
          {look.detail && <ErrorMessage error={{ text: '', detail: look.detail }} />}
          {evidence && (
            <DistanceCurve
              dists={evidence.dists}
              offsetFrames={evidence.offsetFrames}
              width={260}
              height={80}
            />
          )}
          {evidence && maxHeight > 220 && (
            <Timeline
              timeline={evidence.timeline}
              threshold={evidence.threshold}
              segments={evidence.segments}
              checkedFrom={evidence.checkedFrom}
              checkedTo={evidence.checkedTo}
              width={260}
              height={50}
              onSeek={onSeek}
            />
          )}
          <p class="muted">{t('overlay_footer')}</p>
        </div>
      )}
    </div>
  );
}

export class Overlay {
  private readonly host = document.createElement('lipsync-lens-overlay');
  private readonly root: ShadowRoot;
  private readonly box = document.createElement('div');
  private state: SyncState = { status: 'loading', what: 'the engine' };
  private expanded = false;
  private readonly resizeObserver: ResizeObserver;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly onMove = () => this.place();

  constructor(private readonly video: HTMLVideoElement) {
    this.root = this.host.attachShadow({ mode: 'closed' });
    this.box.className = 'box';
    this.root.append(this.box);
    this.attach();
    this.resizeObserver = new ResizeObserver(this.onMove);
    this.resizeObserver.observe(video);
    addEventListener('scroll', this.onMove, { capture: true, passive: true });
    addEventListener('resize', this.onMove, { passive: true });
    document.addEventListener('fullscreenchange', this.onFullscreen);
    // Layout shifts move videos without a scroll or resize event.
    this.timer = setInterval(this.onMove, 500);
    this.draw();
  }

  /** In fullscreen only the fullscreen element's subtree is shown: follow the video there. */
  private readonly onFullscreen = () => {
    this.attach();
    this.place();
  };

  private attach(): void {
    const full = document.fullscreenElement;
    const parent = full && full !== this.video && full.contains(this.video) ? full : document.documentElement;
    if (this.host.parentNode !== parent) parent.append(this.host);
  }

  update(state: SyncState): void {
    this.state = state;
    this.draw();
  }

  private picture() {
    const r = this.video.getBoundingClientRect();
    return pictureRect(
      { x: r.left, y: r.top, width: r.width, height: r.height },
      getComputedStyle(this.video).objectFit,
      this.video.videoWidth,
      this.video.videoHeight,
    );
  }

  private place(): void {
    const picture = this.picture();
    const visible =
      picture.width >= 120 &&
      picture.height >= 60 &&
      picture.y + picture.height > 0 &&
      picture.y < innerHeight;
    this.box.style.display = visible ? '' : 'none';
    this.box.style.left = `${Math.round(picture.x + INSET)}px`;
    this.box.style.top = `${Math.round(picture.y + INSET)}px`;
  }

  private draw(): void {
    this.place();
    const picture = this.picture();
    render(
      <OverlayView
        state={this.state}
        expanded={this.expanded}
        onToggle={() => ((this.expanded = !this.expanded), this.draw())}
        maxHeight={picture.height - CONTROLS_CLEARANCE - INSET - 30}
        onSeek={(t) => (this.video.currentTime = Math.max(0, t))}
      />,
      this.box,
    );
  }

  remove(): void {
    render(null, this.box);
    clearInterval(this.timer);
    this.resizeObserver.disconnect();
    removeEventListener('scroll', this.onMove, { capture: true });
    removeEventListener('resize', this.onMove);
    document.removeEventListener('fullscreenchange', this.onFullscreen);
    this.host.remove();
  }
}
