// Content script: injected on demand (activeTab + scripting). Finds the page's videos;
// capture and the overlay are built on this entry point.
export function findVideos(root: Document | ShadowRoot = document): HTMLVideoElement[] {
  const videos = [...root.querySelectorAll('video')];
  for (const element of root.querySelectorAll('*')) {
    if (element.shadowRoot) videos.push(...findVideos(element.shadowRoot));
  }
  return videos;
}
