// The three catalogues (_locales/{en,zh_CN,es}/messages.json) stay in step: the same keys,
// the same $placeholders$ per key, each placeholder used in its message; every t('key') in
// src exists in English; the manifest's __MSG_…__ resolve; the English fallback (node: the
// check CLI) reads exactly like core's own English (REASON_TEXT, offsetWords).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatMessage, lowerFirst, t, tParts, type MessageKey } from '../../src/shared/i18n';
import { offsetText, reasonText, stateLook, whyWords } from '../../src/shared/state-look';
import {
  offsetWords,
  REASON_TEXT,
  whyText,
  type CannotJudgeReason,
  type CannotJudgeWhy,
} from '../../src/core/state';

/** One of each can't-judge detail the decision and the session give. */
const WHYS: CannotJudgeWhy[] = [
  { kind: 'frames-lost', percent: 60 },
  { kind: 'face-share', percent: 12 },
  { kind: 'voice-without-lips', heard: 6.2, moving: 0.4 },
  { kind: 'evidence-short', have: 1.2, need: 2 },
  { kind: 'likely-mismatch', percent: 86 },
  { kind: 'far-match', offsetMs: -1200, percent: 22 },
  {
    kind: 'turn-unclear',
    spans: [
      { start: 6, end: 12 },
      { start: 14.24, end: 16 },
    ],
    percent: 86,
  },
  { kind: 'muted' },
  { kind: 'call-sound-unreachable' },
  { kind: 'pitch-changed', rate: 1.5 },
  { kind: 'weak-shift', offsetMs: 320, percent: 18 },
];

interface Entry {
  message: string;
  description?: string;
  placeholders?: Record<string, { content: string; example?: string }>;
}
const LOCALES = ['en', 'zh_CN', 'es'];
const catalogue = (locale: string): Record<string, Entry> =>
  JSON.parse(readFileSync(`_locales/${locale}/messages.json`, 'utf8'));
const catalogues = Object.fromEntries(LOCALES.map((l) => [l, catalogue(l)]));

test('every locale directory is one of the three, and all three have exactly the same keys', () => {
  assert.deepEqual(readdirSync('_locales').sort(), [...LOCALES].sort());
  const keys = Object.keys(catalogues.en).sort();
  assert.ok(keys.length > 100, `${keys.length} keys`);
  for (const locale of LOCALES.slice(1))
    assert.deepEqual(Object.keys(catalogues[locale]).sort(), keys, locale);
  for (const key of keys) assert.match(key, /^[a-z0-9_]+$/, `${key}: chrome.i18n keys are [a-z0-9_]`);
});

test('each key has the same placeholders ($1… in the same order) in every locale, and each message uses every one of them', () => {
  for (const [key, en] of Object.entries(catalogues.en)) {
    const shape = (e: Entry) =>
      Object.entries(e.placeholders ?? {})
        .map(([name, p]) => `${name.toLowerCase()}=${p.content}`)
        .sort();
    for (const locale of LOCALES) {
      const entry = catalogues[locale][key];
      assert.deepEqual(shape(entry), shape(en), `${locale} ${key}`);
      const used = [...entry.message.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1].toLowerCase());
      assert.deepEqual(
        [...new Set(used)].sort(),
        Object.keys(entry.placeholders ?? {})
          .map((n) => n.toLowerCase())
          .sort(),
        `${locale} ${key}: ${entry.message}`,
      );
      assert.ok(entry.message.trim().length > 0, `${locale} ${key} is empty`);
      assert.doesNotMatch(
        entry.message.replace(/\$[A-Za-z0-9_@]+\$/g, ''),
        /\$(?!\$)/,
        `${locale} ${key}: a stray $ (write $$)`,
      );
    }
  }
});

test('translations are translations: zh_CN is Chinese and es differs from en (but for names and symbols)', () => {
  const same = [
    'ext_name',
    'label_real',
    'badge_real',
    'badge_fake',
    'label_error',
    'with_detail',
    'label_colon_text',
    'loading_tfjs',
    'action_title_state',
    'chart_curve_best',
    'where_two',
    'timeline_span',
    'offset_frames',
  ];
  for (const [key, en] of Object.entries(catalogues.en)) {
    const zh = catalogues.zh_CN[key].message;
    if (
      /\p{L}{3}/u.test(en.message.replace(/\$[A-Z0-9_]+\$/g, '')) &&
      !['ext_name', 'loading_tfjs', 'label_colon_text', 'with_detail', 'action_title_state'].includes(key)
    ) {
      assert.match(zh, /\p{Script=Han}/u, `zh_CN ${key} has no Chinese: ${zh}`);
    }
    if (!same.includes(key) && /\p{L}{3}/u.test(en.message.replace(/\$[A-Z0-9_]+\$/g, '')))
      assert.notEqual(catalogues.es[key].message, en.message, `es ${key} is the English text`);
  }
});

test('technical names stay untranslated: SyncNet, TensorFlow.js, DRM, VidTIMIT', () => {
  for (const [key, en] of Object.entries(catalogues.en)) {
    for (const name of ['SyncNet', 'TensorFlow.js', 'DRM', 'VidTIMIT', 'MATLAB']) {
      if (!en.message.includes(name)) continue;
      for (const locale of LOCALES)
        assert.ok(catalogues[locale][key].message.includes(name), `${locale} ${key} lost ${name}`);
    }
  }
});

test("the manifest names its default locale and every __MSG_…__ it uses exists; the description fits the stores' 132 characters", () => {
  const manifest = readFileSync('manifest.json', 'utf8');
  assert.equal(JSON.parse(manifest).default_locale, 'en');
  const used = [...manifest.matchAll(/__MSG_([A-Za-z0-9_]+)__/g)].map((m) => m[1]);
  assert.ok(used.includes('ext_name') && used.includes('ext_description') && used.includes('action_title'));
  for (const key of used)
    for (const locale of LOCALES) assert.ok(catalogues[locale][key], `${locale} lacks ${key}`);
  for (const locale of LOCALES) {
    assert.ok(
      catalogues[locale].ext_description.message.length <= 132,
      `${locale} description: ${catalogues[locale].ext_description.message.length} characters`,
    );
    assert.ok(catalogues[locale].ext_name.message.length <= 45, `${locale} name`);
  }
});

test('toolbar badges fit in every language: at most 4 characters (a Chinese character counts as 2)', () => {
  const width = (s: string) => [...s].reduce((w, c) => w + (/\p{Script=Han}/u.test(c) ? 2 : 1), 0);
  for (const locale of LOCALES)
    for (const key of ['badge_real', 'badge_shifted', 'badge_fake']) {
      assert.ok(
        width(catalogues[locale][key].message) <= 4,
        `${locale} ${key}: ${catalogues[locale][key].message}`,
      );
    }
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

test("every t('key') and tParts('key') in src exists in the English catalogue", () => {
  let calls = 0;
  for (const file of sourceFiles('src')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b(?:t|tParts)\(\s*['"`]([^'"`$]+)['"`]/g)) {
      calls++;
      assert.ok(catalogues.en[m[1]], `${file}: t('${m[1]}') is not in _locales/en/messages.json`);
    }
  }
  assert.ok(calls > 100, `${calls} calls found`);
});

test('the English fallback substitutes like chrome.i18n ($name$ → $n → value, $$ → $)', () => {
  assert.equal(
    formatMessage(
      { message: 'a $X$ b $Y$ $$5', placeholders: { x: { content: '$2' }, Y: { content: '$1' } } },
      ['one', 'two'],
    ),
    'a two b one $5',
  );
  assert.equal(t('where_from_to', '0:12', '0:15'), 'from 0:12 to 0:15');
  assert.equal(t('label_checking', 40), 'Checking 40 %');
  assert.deepEqual(tParts('options_import_label', 'V2', 'V4'), [
    'Import weights file (',
    'V2',
    ' or ',
    'V4',
    '):',
  ]);
  assert.equal(lowerFirst('Lips'), 'lips');
});

test("the fallback reads exactly like core's English: every REASON_TEXT and offsetWords", () => {
  for (const reason of Object.keys(REASON_TEXT) as CannotJudgeReason[])
    assert.equal(reasonText(reason), REASON_TEXT[reason], reason);
  for (const ms of [0, 200, -240, 40]) assert.equal(offsetText(ms), offsetWords(ms));
  // Each can't-judge detail: the catalogue's English is core's (the CLI and JSON say whyText).
  for (const why of WHYS) assert.equal(whyWords(why), whyText(why), why.kind);
  assert.equal(
    whyText(WHYS[6]),
    "the voice at 6.0–12.0 s, 14.2–16.0 s does not clearly match that person's lips (86 % likely not to match)",
  );
  assert.equal(stateLook({ status: 'loading', what: 'the engine' }).sentence, 'Loading the engine…');
  assert.equal(stateLook({ status: 'loading', what: 'something new' }).sentence, 'Loading something new…');
});

test('chrome.i18n is used where present (a Chinese getMessage), the English catalogue where it returns nothing', () => {
  const zh = catalogues.zh_CN;
  const fake = {
    getMessage: (key: string, subs: string[] = []) => (zh[key] ? formatMessage(zh[key], subs) : ''),
    getUILanguage: () => 'zh-CN',
  };
  const global = globalThis as { chrome?: unknown };
  const before = global.chrome;
  global.chrome = { i18n: fake };
  try {
    assert.equal(t('label_real'), '真实');
    assert.equal(t('where_from_to', '0:12', '0:15'), '从 0:12 到 0:15');
    assert.equal(stateLook({ status: 'cannot-judge', reason: 'no-face' }).sentence, '视频中没有找到人脸。');
    // A detail reads in the user's language too, not in the English `detail` the state also carries.
    const unclear = stateLook({
      status: 'cannot-judge',
      reason: 'uncertain',
      detail: whyText(WHYS[6]),
      why: WHYS[6],
    }).sentence;
    assert.match(unclear, /6\.0–12\.0 s, 14\.2–16\.0 s 处的声音与该人的口型不明显匹配/);
    assert.doesNotMatch(unclear, /does not clearly match/);
    const far = stateLook({ status: 'cannot-judge', reason: 'uncertain', why: WHYS[5] }).sentence;
    assert.match(far, /声音只有在严重不同步时才与口型匹配（声音延后 1200 毫秒）/);
    assert.equal(t('no_such_key' as MessageKey), 'no_such_key');
  } finally {
    global.chrome = before;
  }
});
