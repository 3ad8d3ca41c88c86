// A video-call page for the live tests (issue 11 item 3), no network needed: each remote
// participant is a clip played in a hidden <video>, its pictures taken with
// captureStream() and its sound through Web Audio (a MediaStreamAudioDestinationNode),
// sent through an RTCPeerConnection loopback (two peer connections in the page, ICE on
// this machine), and shown the way call sites do: the remote video in a muted <video>
// tile (srcObject), the remote voice in its own <audio> element (srcObject).
//
// `sameStream`: the tile and its <audio> get the remote MediaStream the track event
// names (event.streams[0], both tracks: a page that plays one stream twice); otherwise
// each gets a MediaStream of its own track only (nothing ties the voice to the tile).
// `voice: 'web-audio'`: the remote voice is played through Web Audio only
// (createMediaStreamSource → the context's destination), with no <audio> element, as some
// call sites do.
import { statSync } from 'node:fs';
import { ffmpeg, fixturePage, H264 } from './live-helpers';

/** Chromium hides host candidates behind mDNS names by default; the loopback needs plain addresses. */
export const CALL_FLAGS = ['--disable-features=WebRtcHideLocalIpsWithMdns'];

/** A 640×360 copy of a makeMedia clip (less to encode and decode twice on a small machine), served under /gen/. */
export function callClip(source: string, name: string): string {
  // The source's size is part of the key: makeMedia() remakes the source when its recipe changes.
  ffmpeg(name, ['-i', source, '-vf', 'scale=640:360', ...H264], String(statSync(source).size));
  return `/gen/${name}`;
}

export interface Participant {
  /** The clip the participant "sends" (a URL on the page's server). */
  src: string;
}

/** Writes the call page; tiles are #video0, #video1, …; voices #audio0, #audio1, …; window.callError on a failure. */
export function callPage(
  name: string,
  participants: Participant[],
  options: { sameStream?: boolean; tileWidth?: number; voice?: 'audio' | 'web-audio' } = {},
): string {
  const webAudio = options.voice === 'web-audio';
  const script = `<style>.source { position: fixed; left: -2000px; top: 0; width: 320px; } .tiles { display: flex; gap: 8px; } .tiles video { margin: 0; }</style>
<script type="module">
const participants = ${JSON.stringify(participants)};
const sameStream = ${options.sameStream === true};
const webAudio = ${webAudio};
const fail = (error) => { window.callError = document.title = String(error); };
window.callState = participants.map(() => 'starting');
async function connect(i, { src }) {
  const source = document.createElement('video');
  source.className = 'source';
  source.src = src;
  source.loop = true;
  source.playsInline = true;
  document.body.append(source);
  await source.play();
  // Pictures from the element, sound through Web Audio (the element stays unheard).
  const context = new AudioContext();
  const voice = context.createMediaStreamDestination();
  context.createMediaElementSource(source).connect(voice);
  const [videoTrack] = source.captureStream().getVideoTracks();
  const [audioTrack] = voice.stream.getAudioTracks();
  const sent = new MediaStream([videoTrack, audioTrack]);
  const sender = new RTCPeerConnection();
  const receiver = new RTCPeerConnection();
  sender.onicecandidate = (e) => e.candidate && receiver.addIceCandidate(e.candidate).catch(fail);
  receiver.onicecandidate = (e) => e.candidate && sender.addIceCandidate(e.candidate).catch(fail);
  const tile = document.querySelector('#video' + i);
  const audio = document.querySelector('#audio' + i);
  receiver.ontrack = (event) => {
    const stream = sameStream ? event.streams[0] : new MediaStream([event.track]);
    if (event.track.kind === 'video') tile.srcObject = stream;
    else if (webAudio) {
      const heard = new AudioContext();
      heard.createMediaStreamSource(new MediaStream([event.track])).connect(heard.destination);
      window.voices = [...(window.voices ?? []), heard];
    } else audio.srcObject = stream;
  };
  for (const track of sent.getTracks()) sender.addTrack(track, sent);
  // Keep the picture sharp on a busy machine: no downscaling, a high ceiling on the bitrate.
  for (const s of sender.getSenders()) {
    if (s.track.kind !== 'video') continue;
    const parameters = s.getParameters();
    parameters.degradationPreference = 'maintain-resolution';
    parameters.encodings = (parameters.encodings.length ? parameters.encodings : [{}]).map((e) => ({ ...e, maxBitrate: 2_500_000 }));
    await s.setParameters(parameters).catch(() => undefined);
  }
  await sender.setLocalDescription();
  await receiver.setRemoteDescription(sender.localDescription);
  await receiver.setLocalDescription();
  await sender.setRemoteDescription(receiver.localDescription);
  window.callState[i] = 'connected';
  window.calls = [...(window.calls ?? []), { sender, receiver, context }];
}
participants.forEach((p, i) => connect(i, p).catch(fail));
</script>`;
  const width = options.tileWidth ?? 480;
  const tiles = participants
    .map(
      (_, i) =>
        `<video id="video${i}" autoplay playsinline muted width="${width}"></video>${webAudio ? '' : `<audio id="audio${i}" autoplay></audio>`}`,
    )
    .join('\n');
  // fixturePage writes the file; the tiles go in `extra` so they sit side by side.
  return fixturePage(name, [], `<div class="tiles">${tiles}</div>\n${script}`);
}
