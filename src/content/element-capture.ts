// Where a media element's sound is taken from (issue 11 item 4). Preferred:
// HTMLMediaElement.captureStream() — a MediaStream copy of what the element plays, tapped
// with createMediaStreamSource: the page's own output is left alone (the element keeps
// playing to the speakers itself, a page that routes it through its own AudioContext
// keeps working, and the hook ends with the check: nothing permanent, unlike
// createMediaElementSource, which binds the element to our context for good). Fallback:
// createMediaElementSource → our graph → the destination (the element then plays only
// through our graph, which must stay connected to the speakers), for browsers without the
// standard captureStream (Firefox has only mozCaptureStream, whose capture takes the
// element's sound away from its output, so it is not used) or when it throws.
//
// Only for elements whose pixels the page may read (same origin or CORS): the content
// script checks that first, and captureStream refuses cross-origin media too.
//
// Timing: chunks from either source are placed by when the graph took them
// (processedAt in audio-tap.ts). With createMediaElementSource the element renders into
// the graph with zero delay and its pictures follow the graph, so that is exact. A
// captureStream copy is made when the element's own audio sink renders (Chromium's
// WebAudioSourceProviderImpl tee), a little before it is heard; in headless Chromium the
// live offsets agree with the file check (docs/players-and-calls.md), but with a
// high-latency output device (Bluetooth) the copy may lead the pictures by that device's
// latency — not measurable without one.

export type ElementSoundKind = 'capture-stream' | 'media-element';

export interface ElementSound {
  kind: ElementSoundKind;
  /** The node to tap: follows the element's current audio track. */
  node: AudioNode;
  release(): void;
}

/** createMediaElementSource works once per element, ever: kept for the element's lifetime. */
const elementSources = new WeakMap<HTMLMediaElement, MediaElementAudioSourceNode>();

type Capturable = HTMLMediaElement & { captureStream?: () => MediaStream };

/** The element's sound through captureStream(): re-tapped when the element's audio track changes (a new source). */
function fromCaptureStream(element: HTMLMediaElement, context: AudioContext): ElementSound | null {
  const capture = (element as Capturable).captureStream;
  if (typeof capture !== 'function') return null;
  let stream: MediaStream;
  try {
    stream = capture.call(element);
  } catch {
    return null;
  }
  const output = context.createGain();
  const tapped = new Map<string, MediaStreamAudioSourceNode>();
  const connect = () => {
    // Pictures are read from the element itself: capturing them would only cost copies.
    for (const track of stream.getVideoTracks()) {
      track.stop();
      stream.removeTrack(track);
    }
    for (const track of stream.getAudioTracks()) {
      if (tapped.has(track.id) || track.readyState !== 'live') continue;
      const node = context.createMediaStreamSource(new MediaStream([track]));
      node.connect(output);
      tapped.set(track.id, node);
    }
  };
  const onRemove = (event: MediaStreamTrackEvent) => {
    tapped.get(event.track.id)?.disconnect();
    tapped.delete(event.track.id);
  };
  stream.addEventListener('addtrack', connect);
  stream.addEventListener('removetrack', onRemove);
  connect();
  return {
    kind: 'capture-stream',
    node: output,
    release() {
      stream.removeEventListener('addtrack', connect);
      stream.removeEventListener('removetrack', onRemove);
      for (const node of tapped.values()) node.disconnect();
      for (const track of stream.getTracks()) track.stop();
    },
  };
}

function fromMediaElementSource(element: HTMLMediaElement, context: AudioContext): ElementSound {
  let source = elementSources.get(element);
  if (!source) {
    // Throws when the page already routed this element through its own AudioContext.
    source = context.createMediaElementSource(element);
    elementSources.set(element, source);
    // Keep the element audible: it now plays only through this graph.
    source.connect(context.destination);
  }
  return { kind: 'media-element', node: source, release() {} };
}

/**
 * The element's sound for tapping: captureStream() where it works, else
 * createMediaElementSource. An element already hooked by createMediaElementSource (an
 * earlier check in this page) keeps that hook: its sound reaches the speakers only through
 * it, and a capture of an element playing into Web Audio would carry nothing new.
 */
export function elementSound(element: HTMLMediaElement, context: AudioContext): ElementSound {
  if (!elementSources.has(element)) {
    const captured = fromCaptureStream(element, context);
    if (captured) return captured;
  }
  return fromMediaElementSource(element, context);
}
