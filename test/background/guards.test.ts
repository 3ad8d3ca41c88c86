// The background's ownership and race rules (src/background/guards.ts), driven through the
// interleavings a browser produces only by chance: a check opening while the idle engine
// host is being closed, another frame ending a check that is not its own, an engine
// restart while a check is still opening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idleHostMayClose, lostSessions, removeHeardBefore, senderVideo } from '../../src/background/guards';
import { transition, type SessionRecord } from '../../src/background/session-machine';
import type { TabRecord } from '../../src/background/tab-store';
import { openEvent } from '../helpers/states';

const opened = (sessionId: string): SessionRecord => transition(undefined, openEvent(sessionId))!;

function tab(
  tabId: number,
  videos: { key: string; frameId: number; session?: SessionRecord; heardAt?: number }[],
): TabRecord {
  const record: TabRecord = { tabId, videos: {} };
  for (const { key, frameId, session, heardAt } of videos)
    record.videos[`${frameId}/${key}`] = {
      videoKey: key,
      label: 'clip.mp4',
      frameId,
      width: 640,
      height: 360,
      playing: true,
      ...(session ? { session } : {}),
      ...(heardAt === undefined ? {} : { heardAt }),
    };
  return record;
}

test('a late "page went" signal removes only the videos heard of before it', () => {
  // The interleaving of a back/forward-cache restore under load: the restored page (same
  // document id, so the same video key) listed its video and opened a check at 1010–1020;
  // the worker handles the restore's tabs.onUpdated, dispatched at 1000, only after that.
  const record = tab(7, [
    { key: 'doc-v1', frameId: 0, session: opened('restored'), heardAt: 1020 },
    { key: 'doc-v2', frameId: 0, heardAt: 400 },
    { key: 'old-v1', frameId: 0, session: opened('left-behind'), heardAt: 900 },
    { key: 'older-v1', frameId: 0 },
    { key: 'doc-v3', frameId: 0, heardAt: 1000 },
  ]);
  const removed = removeHeardBefore(record, 1000);
  assert.deepEqual(removed.map((v) => v.videoKey).sort(), ['doc-v2', 'old-v1', 'older-v1']);
  assert.deepEqual(Object.keys(record.videos).sort(), ['0/doc-v1', '0/doc-v3'], 'same millisecond: kept');
  assert.equal(record.videos['0/doc-v1'].session?.sessionId, 'restored');
  // A document's port: only that document's videos, and only those heard before it closed.
  const framed = tab(7, [
    { key: 'a-v1', frameId: 0, heardAt: 10 },
    { key: 'a-v2', frameId: 0, heardAt: 30 },
    { key: 'b-v1', frameId: 0, heardAt: 10 },
  ]);
  const gone = removeHeardBefore(framed, 20, (v) => v.videoKey.startsWith('a-'));
  assert.deepEqual(
    gone.map((v) => v.videoKey),
    ['a-v1'],
  );
  assert.deepEqual(Object.keys(framed.videos).sort(), ['0/a-v2', '0/b-v1']);
});

test('close-session: only the sender frame’s own checks', () => {
  const record = tab(7, [
    { key: 'doc-v1', frameId: 0, session: opened('top') },
    { key: 'doc-v1', frameId: 3, session: opened('framed') },
  ]);
  assert.equal(senderVideo(record, undefined, 'top').videoKey, 'doc-v1');
  assert.equal(senderVideo(record, 3, 'framed').frameId, 3);
  // Another frame of the tab, a made-up id, and another tab's record (the lookup is by the
  // sender's tab, so a session of tab 8 is simply not in tab 7's record).
  for (const [frameId, id] of [
    [3, 'top'],
    [0, 'framed'],
    [0, 'nobody'],
  ] as const)
    assert.throws(
      () => senderVideo(record, frameId, id),
      (error: Error) => error.name === 'SenderRejected' && error.message.includes(id),
    );
  assert.throws(() => senderVideo(tab(8, []), 0, 'top'), { name: 'SenderRejected' });
});

test('idle close: the host closes only when nothing opened and nothing is held', async () => {
  const none = new Set<string>();
  assert.equal(await idleHostMayClose(none, async () => []), true);
  assert.equal(await idleHostMayClose(none, async () => null), true, 'an unreachable host holds nothing');
  assert.equal(await idleHostMayClose(none, async () => ['s1']), false, 'a session opened and is held');
  assert.equal(
    await idleHostMayClose(new Set(['s1']), async () => assert.fail('not asked while an open is in flight')),
    false,
  );
});

test('idle close: a check that starts opening while the host is asked keeps it', async () => {
  const opening = new Set<string>();
  // The host answers "nothing held" — but the toolbar click's open-session began meanwhile.
  const answer = idleHostMayClose(opening, async () => {
    opening.add('clicked');
    await new Promise((resolve) => setTimeout(resolve, 5));
    return [];
  });
  assert.equal(await answer, false);
  opening.delete('clicked');
  assert.equal(await idleHostMayClose(opening, async () => []), true, 'once it is gone, idle again');
});

test('engine restart: only pending checks the host lost, never one still opening', () => {
  const ended = transition(opened('ended'), { type: 'stop', now: 2 })!;
  const records = [
    tab(1, [
      { key: 'a', frameId: 0, session: opened('held') },
      { key: 'b', frameId: 0, session: opened('lost') },
      { key: 'c', frameId: 0, session: ended },
      { key: 'd', frameId: 0 },
    ]),
    tab(2, [
      { key: 'a', frameId: 0, session: opened('opening-then') },
      { key: 'b', frameId: 5, session: opened('opening-now') },
      { key: 'c', frameId: 5, session: opened('lost-too') },
    ]),
  ];
  assert.deepEqual(lostSessions(records, ['held'], new Set(['opening-then']), new Set(['opening-now'])), [
    { tabId: 1, sessionId: 'lost' },
    { tabId: 2, sessionId: 'lost-too' },
  ]);
  assert.deepEqual(lostSessions([], [], new Set(), new Set()), []);
});
