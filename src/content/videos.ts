// Finding the page's videos: the document, every open shadow root (closed ones cannot be
// reached), and ones added later (the caller rescans). Keys are unique per document: a
// random document id before the discovery order, so the next page's first video (also
// "v1") never inherits this page's record or verdict.
import type { VideoInfo } from '../shared/protocol';

export function findVideos(root: Document | ShadowRoot = document): HTMLVideoElement[] {
  const videos = [...root.querySelectorAll('video')];
  for (const element of root.querySelectorAll('*')) {
    if (element.shadowRoot) videos.push(...findVideos(element.shadowRoot));
  }
  return videos;
}

/** Every <audio> and <video> of the document and its open shadow roots (a call's voices play in <audio>). */
export function findMediaElements(root: Document | ShadowRoot = document): HTMLMediaElement[] {
  const elements: HTMLMediaElement[] = [...root.querySelectorAll<HTMLMediaElement>('audio, video')];
  for (const element of root.querySelectorAll('*')) {
    if (element.shadowRoot) elements.push(...findMediaElements(element.shadowRoot));
  }
  return elements;
}

const keys = new WeakMap<HTMLVideoElement, string>();
let nextKey = 1;

/** This document's id (random, letters and digits): the prefix of its video keys and the name of its port. */
export const documentId = Math.random().toString(36).slice(2, 10);

export function videoKey(video: HTMLVideoElement): string {
  let key = keys.get(video);
  if (!key) keys.set(video, (key = `${documentId}-v${nextKey++}`));
  return key;
}

export const isPlaying = (video: HTMLVideoElement) => !video.paused && !video.ended && video.readyState >= 2;

/** Area of the video on screen (CSS px²), 0 when hidden or out of view. */
export function visibleArea(video: HTMLVideoElement): number {
  const rect = video.getBoundingClientRect();
  const width = Math.max(0, Math.min(rect.right, innerWidth) - Math.max(rect.left, 0));
  const height = Math.max(0, Math.min(rect.bottom, innerHeight) - Math.max(rect.top, 0));
  return width * height;
}

function label(video: HTMLVideoElement): string {
  // A call's tiles (MediaStream srcObject) are told apart by their order on the page.
  if (typeof MediaStream !== 'undefined' && video.srcObject instanceof MediaStream) {
    const tiles = findVideos().filter((v) => v.srcObject instanceof MediaStream);
    return `call tile ${tiles.indexOf(video) + 1}`;
  }
  const src = video.currentSrc || video.src;
  if (!src || src.startsWith('blob:') || src.startsWith('mediastream:')) return 'stream';
  try {
    const name = new URL(src).pathname.split('/').filter(Boolean).pop();
    return name ? decodeURIComponent(name) : new URL(src).hostname;
  } catch {
    return 'video';
  }
}

export function describeVideo(video: HTMLVideoElement): VideoInfo {
  const rect = video.getBoundingClientRect();
  return {
    videoKey: videoKey(video),
    label: label(video),
    width: Math.round(rect.width),
    height: Math.round(rect.height),
    playing: isPlaying(video),
  };
}

/**
 * The video to check: the right-clicked one (the context menu's srcUrl; `rightClicked`, the
 * element under the last right-click, when it has that source — the only way to tell apart
 * videos with the same source), else the largest playing, else the largest shown.
 */
export function chooseVideo(
  videos: readonly HTMLVideoElement[],
  srcUrl?: string,
  rightClicked?: HTMLVideoElement | null,
): HTMLVideoElement | null {
  if (srcUrl) {
    const clicked = videos.filter((v) => v.currentSrc === srcUrl || v.src === srcUrl);
    if (rightClicked && clicked.includes(rightClicked)) return rightClicked;
    if (clicked.length > 0) return clicked.sort((a, b) => visibleArea(b) - visibleArea(a))[0];
  }
  const shown = videos.filter((v) => visibleArea(v) > 0 && v.readyState >= 1);
  const playing = shown.filter(isPlaying);
  const pool = playing.length > 0 ? playing : shown;
  return pool.sort((a, b) => visibleArea(b) - visibleArea(a))[0] ?? null;
}
