// No user-facing string outside the catalogue: the views' sources are parsed (TypeScript's
// own parser) and every JSX text with a letter in it, every literal in a user-visible prop
// (title, aria-label, aria-valuetext, placeholder, alt, label), and every other string or
// template literal that reads like words ("two words" with a space) must come from t() —
// or be on the short, explained allow-list below (file names, an example host, the CLI's
// automation replies, CSS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const FILES = [
  'src/popup/index.tsx',
  'src/options/index.tsx',
  'src/options/check.tsx',
  'src/content/overlay.tsx',
  ...readdirSync('src/ui')
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => join('src/ui', f)),
  'src/shared/state-look.ts',
  'src/shared/spans.ts',
  'src/shared/result-figures.ts',
  'src/shared/errors.ts',
  'src/background/index.ts',
];

/** Text that is not words to translate. */
const ALLOWED = new Set([
  'syncnet_v2.model', // file names shown in <code>
  'lipsync_v4_73.mat',
  'example.com', // the add-a-site field's example host
  'no video chosen', // window.lipsyncExtractFeatures' reply to the `features` CLI, never shown in a view
  'SyncNet v2', // model names
  'SyncNet v4',
  // The engine's names for what it loads (SyncState's `loading.what`): identifiers that
  // loadingText() in src/shared/state-look.ts turns into translated sentences.
  'the engine',
  'the sync model',
  'face tracking',
  // Internal errors of the background (src/background/index.ts), never shown as they are: a
  // check's failure reaches the views through plainError (src/shared/errors.ts), which shows a
  // translated sentence and keeps this English only as the technical "Details".
  'the check failed', // a failed check's message when the engine gave none → "Something went wrong during the check."
  "session … is not one of this frame's checks", // a message from a frame that does not own the session (SenderRejected)
  'the checking engine stopped again; check this video again to restart', // plainError shows error_restarted_again for it
]);
/** Symbols, numbers and units only. */
const NON_WORDS = /^[\s\d.,:;·×—–\-+−%/()…!?'"]*(ms|s|px|fps|%)?[\s\d.,:;·×—–\-+−%/()…!?'"]*$/u;

const USER_PROPS = new Set([
  'title',
  'aria-label',
  'aria-valuetext',
  'placeholder',
  'alt',
  'label',
  'aria-description',
]);
/** Variables whose string is not text (the overlay's stylesheet). */
const NOT_TEXT_VARIABLES = new Set(['STYLE']);

interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

function scan(file: string): Finding[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const findings: Finding[] = [];
  const report = (node: ts.Node, text: string, why: string) => {
    const clean = text.replace(/\s+/g, ' ').trim();
    if (!clean || ALLOWED.has(clean) || NON_WORDS.test(clean)) return;
    findings.push({
      file,
      line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1,
      text: clean,
      why,
    });
  };
  const sentenceLike = (text: string) => /\p{L}{2,}[,.:;!?]? +\p{L}/u.test(text);
  /**
   * HTML/SVG markup with no words of its own (the report's '<polyline points="…" fill="none"/>'):
   * every text between its tags is empty or symbols, numbers and units. Tag names and
   * attributes are markup, not text; a word between tags ('<th>Checked at</th>') is text.
   */
  const markupOnly = (text: string) =>
    /<[a-z!/][^>]*>/i.test(text) &&
    text.split(/<[a-z!/][^>]*>/i).every((between) => NON_WORDS.test(between.trim()));

  const visit = (node: ts.Node): void => {
    // Not text: imports, t('key') / tParts('key') keys, console output, type positions, the stylesheet.
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isTypeNode(node)) return;
    if (ts.isCallExpression(node)) {
      const callee = node.expression.getText(source);
      if (callee === 't' || callee === 'tParts') {
        node.arguments.slice(1).forEach(visit);
        return;
      }
      if (callee.startsWith('console.')) return;
    }
    if (ts.isVariableDeclaration(node) && NOT_TEXT_VARIABLES.has(node.name.getText(source))) return;

    if (ts.isJsxText(node)) {
      if (/\p{L}/u.test(node.text)) report(node, node.text, 'JSX text');
      return;
    }
    if (ts.isJsxAttribute(node)) {
      const name = node.name.getText(source);
      const init = node.initializer;
      if (!USER_PROPS.has(name)) {
        // class, id, data-*, accept, href…: not text; but an expression inside may hold some.
        if (init && ts.isJsxExpression(init) && init.expression) visitExpressionForSentences(init.expression);
        return;
      }
      if (init && ts.isStringLiteral(init) && /\p{L}/u.test(init.text))
        report(init, init.text, `${name}="…"`);
      else if (init) ts.forEachChild(init, visitUserProp(name));
      return;
    }
    if (ts.isPropertyAssignment(node) && USER_PROPS.has(node.name.getText(source).replace(/['"]/g, ''))) {
      visitUserProp(node.name.getText(source))(node.initializer);
      return;
    }
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && sentenceLike(node.text))
      report(node, node.text, 'string literal');
    if (ts.isTemplateExpression(node)) {
      const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
      if (sentenceLike(parts.join(' ')) && !markupOnly(parts.join('…')))
        report(node, parts.join('…'), 'template literal');
    }
    ts.forEachChild(node, visit);
  };
  const visitExpressionForSentences = (node: ts.Node) => visit(node);
  /** In a user-visible prop any literal with a letter is text. */
  const visitUserProp =
    (name: string) =>
    (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ['t', 'tParts'].includes(node.expression.getText(source))) return;
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && /\p{L}/u.test(node.text))
        report(node, node.text, `${name}: literal`);
      else if (ts.isTemplateExpression(node)) {
        const text = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('…');
        if (/\p{L}/u.test(text)) report(node, text, `${name}: template`);
        node.templateSpans.forEach((s) => visitUserProp(name)(s.expression));
      } else ts.forEachChild(node, visitUserProp(name));
    };
  visit(source);
  return findings;
}

test('every user-facing string in the views comes from the catalogue (t(…))', () => {
  const findings = FILES.flatMap(scan);
  assert.deepEqual(
    findings.map((f) => `${f.file}:${f.line} ${f.why}: ${f.text}`),
    [],
  );
});

test('the scanner catches what it is meant to (a JSX text, a title literal, a sentence in a string, words inside markup; not symbols, keys or bare markup)', () => {
  const dir = 'test/.generated';
  const file = join(dir, 'i18n-scan-sample.tsx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    file,
    `const a = <p title="Close it">Hello there {t('label_real')} · 3 s ×</p>;
const b = <svg aria-label={\`Timeline \${x}\`} class="muted small" />;
const c = 'This is a sentence.';
const d = t('where_from_to', '0:12', '0:15');
const e = 'popup→content:check';
throw new Error('something failed badly');
const f = \`<polyline points="\${p}" fill="none" stroke="currentColor"/><td>\${a}–\${b} s</td>\`;
const g = \`<tr><th>Checked at</th><td id="\${id}">\${value}</td></tr>\`;
const h = \`<text x="\${x}" font-size="11">mean distance</text>\`;
`,
  );
  const found = scan(file).map((f) => f.text);
  assert.deepEqual(found, [
    'Close it',
    'Hello there',
    'Timeline …',
    'This is a sentence.',
    'something failed badly',
    '<tr><th>Checked at</th><td id="…">…</td></tr>',
    '<text x="…" font-size="11">mean distance</text>',
  ]);
});
