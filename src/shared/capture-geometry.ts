// Where to cut a frame and how big to send it: shared by the content script (frames read
// from the page's <video>) and the engine host's tab capture (frames cut from the tab).
import type { Region } from './protocol';

/** A face crop's longer side after scaling: the landmarker's ROI slot is 256 px for twice the face. */
export const MAX_REGION_SIDE = 320;
/** The whole frame's longer side while faces are searched: acquisition tiles look at 512 px at most. */
export const MAX_FRAME_SIDE = 640;

/** Integer rectangle inside a w×h frame, or null when nothing of it is inside. */
export function clampRegion(region: Region, width: number, height: number): Region | null {
  const x = Math.max(0, Math.floor(region.x));
  const y = Math.max(0, Math.floor(region.y));
  const right = Math.min(width, Math.ceil(region.x + region.width));
  const bottom = Math.min(height, Math.ceil(region.y + region.height));
  if (right - x < 2 || bottom - y < 2) return null;
  return { x, y, width: right - x, height: bottom - y };
}

/** Output size for a region: scaled down (never up) so its longer side is at most maxSide. */
export function scaledSize(region: Region, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(region.width, region.height));
  return {
    width: Math.max(1, Math.round(region.width * scale)),
    height: Math.max(1, Math.round(region.height * scale)),
  };
}

/** What to cut from a videoWidth×videoHeight frame: the engine's region, else the whole frame. */
export function cropPlan(
  suggested: Region | null,
  videoWidth: number,
  videoHeight: number,
): { region: Region | null; source: Region; out: { width: number; height: number } } {
  const whole = { x: 0, y: 0, width: videoWidth, height: videoHeight };
  const region = suggested ? clampRegion(suggested, videoWidth, videoHeight) : null;
  const source = region ?? whole;
  return { region, source, out: scaledSize(source, region ? MAX_REGION_SIDE : MAX_FRAME_SIDE) };
}

/**
 * The picture's rectangle inside an element box (CSS px), honouring object-fit: the
 * letterbox bars of `contain` are not part of the video.
 */
export function pictureRect(box: Region, objectFit: string, videoWidth: number, videoHeight: number): Region {
  if (videoWidth <= 0 || videoHeight <= 0 || objectFit === 'fill') return box;
  const scaleContain = Math.min(box.width / videoWidth, box.height / videoHeight);
  const scaleCover = Math.max(box.width / videoWidth, box.height / videoHeight);
  const scale =
    objectFit === 'cover'
      ? scaleCover
      : objectFit === 'none'
        ? 1
        : objectFit === 'scale-down'
          ? Math.min(1, scaleContain)
          : scaleContain;
  const width = videoWidth * scale;
  const height = videoHeight * scale;
  return { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height };
}
