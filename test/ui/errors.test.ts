// Internal errors in plain words (src/shared/errors.ts): the messages users actually met,
// each mapped to its plain sentence, the original kept as the detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainError, UserFacingError } from '../../src/shared/errors';
import { stateLook } from '../../src/shared/state-look';
import { t } from '../../src/shared/i18n';

const CASES: [string, string][] = [
  [
    'unknown session 12:0:v1:abc (closed, or the engine host restarted) (in handler for content→engine:frame)',
    'error_restarted',
  ],
  ['Could not establish connection. Receiving end does not exist.', 'error_restarted'],
  ['Extension context invalidated.', 'error_restarted'],
  [
    'the checking engine stopped again; check this video again to restart (in handler for content→bg:open-session)',
    'error_restarted_again',
  ],
  [
    'This page cannot be checked (Cannot access contents of the page. Extension manifest must request permission to access the respective host.).',
    'error_page_blocked',
  ],
  ['Cannot access a chrome:// URL', 'error_page_blocked'],
  [
    'Cannot access contents of url "chrome-extension://abc/popup/popup.html". Extension manifest must request permission to access this host.',
    'error_page_blocked',
  ],
  ['The extensions gallery cannot be scripted.', 'error_page_blocked'],
  [
    'this video is cross-origin and the tab cannot be captured (no activeTab); click the toolbar button on this tab to check it',
    'error_cross_origin',
  ],
  [
    "Failed to execute 'getImageData': The canvas has been tainted by cross-origin data.",
    'error_cross_origin',
  ],
  ['clip.mp4: it is not a video format this browser can play', 'error_file_format'],
  ['clip.mp4: it could not be decoded', 'error_file_format'],
  ['clip.mp4: has no video track', 'error_file_format'],
  ['clip.mp4: the file is empty', 'error_file_incomplete'],
  [
    "clip.mp4: the file is cut off before its index (no MP4 'moov' box): an unfinished download or recording",
    'error_file_incomplete',
  ],
  ['clip.mp4: video decoding failed after 1.20 s (EncodingError)', 'error_file_format'],
  ['no SyncNet v2 weights imported yet (options → Import weights file)', 'error_no_weights'],
  [
    'face tracker: cannot load the face landmarker chrome-extension://x/models/face_landmarker.task (wasm from …): 404',
    'error_load_failed',
  ],
  ['chrome-extension://x/models/embedded/manifest.json: HTTP 404', 'error_load_failed'],
  ['video v1 is gone from the page', 'error_video_gone'],
  ['playback stalled at 3.20 s', 'error_stalled'],
  ['cancelled', 'error_cancelled'],
  ['stopped', 'error_cancelled'],
  ['something nobody planned for', 'error_unknown'],
];

test('each internal error maps to its plain sentence; the original text is the detail', () => {
  for (const [message, key] of CASES) {
    const plain = plainError(new Error(message));
    assert.equal(plain.key, key, message);
    assert.equal(plain.text, t(plain.key!));
    assert.equal(plain.detail, message);
  }
  assert.equal(plainError('a string thrown').detail, 'a string thrown');
});

test('the plain sentences are plain: no internal words (session, handler, manifest, host, engine, undefined)', () => {
  for (const [message] of CASES)
    assert.doesNotMatch(
      plainError(message).text,
      /session|handler|manifest|\bhost\b|engine|undefined|→/i,
      message,
    );
});

test('a UserFacingError is already plain: shown as it is, no detail', () => {
  assert.deepEqual(plainError(new UserFacingError('Choose one file.')), {
    key: null,
    text: 'Choose one file.',
    detail: '',
  });
});

test("an error state reads in plain words, the technical message as the look's detail", () => {
  const message =
    'unknown session 12:0:v1 (closed, or the engine host restarted) (in handler for content→engine:frame)';
  const look = stateLook({ status: 'error', message });
  assert.deepEqual(
    [look.label, look.sentence, look.detail, look.badge],
    ['Error', 'The checker restarted; start the check again.', message, '!'],
  );
});
