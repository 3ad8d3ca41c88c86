// The two evidence plots every view shows: the 31-point distance curve (syncnet_python's
// mean distance per candidate offset; the dip is the offset) and the per-second confidence
// timeline (click a point to seek there).
export interface DistanceCurveProps {
  dists: number[];
  offsetFrames: number | null;
  width?: number;
  height?: number;
}

export function DistanceCurve({ dists, offsetFrames, width = 300, height = 90 }: DistanceCurveProps) {
  if (dists.length === 0) return null;
  const vshift = (dists.length - 1) / 2;
  const min = Math.min(...dists);
  const max = Math.max(...dists);
  const x = (k: number) => 6 + (k / (dists.length - 1)) * (width - 12);
  const y = (d: number) => 6 + (1 - (d - min) / (max - min || 1)) * (height - 24);
  const points = dists.map((d, k) => `${x(k).toFixed(1)},${y(d).toFixed(1)}`).join(' ');
  const best = offsetFrames === null ? null : vshift - offsetFrames;
  return (
    <svg class="distance-curve" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img"
      aria-label={`Mean distance for offsets −${vshift} to +${vshift} frames`}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
      <line x1={x(vshift)} x2={x(vshift)} y1={4} y2={height - 16} stroke="#888" stroke-dasharray="2 3" />
      {best !== null && <circle cx={x(best)} cy={y(dists[best])} r="3.5" fill="#f0b040" />}
      <text x={x(0)} y={height - 3} font-size="9" fill="#999">audio lags −{vshift}</text>
      <text x={x(dists.length - 1)} y={height - 3} font-size="9" fill="#999" text-anchor="end">+{vshift} audio leads</text>
    </svg>
  );
}

export interface TimelineProps {
  timeline: { t: number; confidence: number }[];
  threshold: number;
  width?: number;
  height?: number;
  onSeek?: (t: number) => void;
}

export function Timeline({ timeline, threshold, width = 300, height = 60, onSeek }: TimelineProps) {
  if (timeline.length === 0) return null;
  const end = timeline[timeline.length - 1].t + 1;
  const top = Math.max(threshold * 2, ...timeline.map((p) => p.confidence));
  const bottom = Math.min(0, ...timeline.map((p) => p.confidence));
  const y = (c: number) => 4 + (1 - (c - bottom) / (top - bottom || 1)) * (height - 8);
  const barWidth = Math.max(2, (width / end) * 0.9);
  return (
    <svg class="timeline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Confidence per second">
      <line x1={0} x2={width} y1={y(threshold)} y2={y(threshold)} stroke="#888" stroke-dasharray="2 3" />
      {timeline.map((p) => (
        <rect key={p.t} x={(p.t / end) * width} width={barWidth} y={Math.min(y(p.confidence), y(0))}
          height={Math.max(1, Math.abs(y(0) - y(p.confidence)))} fill={p.confidence >= threshold ? 'var(--real)' : 'var(--fake)'}
          style={onSeek ? { cursor: 'pointer' } : undefined} onClick={() => onSeek?.(p.t)}>
          <title>{`${p.t.toFixed(0)} s: confidence ${p.confidence.toFixed(2)}`}</title>
        </rect>
      ))}
    </svg>
  );
}
