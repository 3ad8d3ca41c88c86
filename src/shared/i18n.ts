// Every user-facing string goes through t(): chrome.i18n.getMessage in extension contexts
// (it follows the browser's UI language, _locales/<lang>/messages.json), the English
// catalogue itself where chrome.i18n is absent — node (the `check` CLI, whose output stays
// English), test harness pages, and the offscreen document (MV3 gives it chrome.runtime
// only). How to add a language: docs/languages-and-accessibility.md.
import en from '../../_locales/en/messages.json';

export type MessageKey = keyof typeof en;

interface CatalogueEntry {
  message: string;
  placeholders?: Record<string, { content: string }>;
}

type Substitution = string | number;

/** chrome.i18n where this context has it (extension pages, the worker, content scripts). */
function browserI18n(): typeof chrome.i18n | undefined {
  const api = (globalThis as { chrome?: { i18n?: typeof chrome.i18n } }).chrome?.i18n;
  return typeof api?.getMessage === 'function' ? api : undefined;
}

/**
 * chrome.i18n.getMessage's substitution rules on a catalogue entry: `$name$` → the
 * placeholder's content, then `$1`…`$9` → the substitutions, `$$` → `$`.
 */
export function formatMessage(entry: CatalogueEntry, substitutions: readonly string[]): string {
  const placeholders = Object.fromEntries(
    Object.entries(entry.placeholders ?? {}).map(([name, p]) => [name.toLowerCase(), p.content]),
  );
  const named = entry.message.replace(
    /\$([A-Za-z0-9_@]+)\$/g,
    (whole, name: string) => placeholders[name.toLowerCase()] ?? whole,
  );
  return named.replace(/\$(\$|[1-9])/g, (_, which: string) =>
    which === '$' ? '$' : (substitutions[Number(which) - 1] ?? ''),
  );
}

/** The message `key` in the browser's language (English outside the extension), with `$1`… filled in. */
export function t(key: MessageKey, ...substitutions: Substitution[]): string {
  const strings = substitutions.map(String);
  const i18n = browserI18n();
  if (i18n) {
    const message = i18n.getMessage(key, strings);
    if (message) return message;
  }
  const entry = (en as Record<string, CatalogueEntry | undefined>)[key];
  // A key missing everywhere shows itself (test/ui/i18n.test.ts keeps that from shipping).
  return entry ? formatMessage(entry, strings) : key;
}

/** Marks a node's place in a message: a control character cannot occur in a translation. */
const MARK = String.fromCharCode(1);

/**
 * A message with elements in it (a link, <code>): each node stands in for one
 * substitution, and the result is the text around them with the nodes in place.
 */
export function tParts<T>(key: MessageKey, ...nodes: T[]): (string | T)[] {
  const marks = nodes.map((_, i) => `${MARK}${i}${MARK}`);
  return t(key, ...marks)
    .split(new RegExp(`${MARK}(\\d+)${MARK}`))
    .map((part, i) => (i % 2 === 1 ? nodes[Number(part)] : part))
    .filter((part) => part !== '');
}

/** The language the messages are shown in (the browser's UI language; "en" outside the extension). */
export function uiLanguage(): string {
  return browserI18n()?.getUILanguage() ?? 'en';
}

/** `<html lang>` and the document title of an extension page, in the browser's language. */
export function localizePage(titleKey?: MessageKey): void {
  document.documentElement.lang = uiLanguage();
  if (titleKey) document.title = t(titleKey);
}

/** "So far, lips and voice …": the sentence after the opening, lower-cased where the language has case. */
export function lowerFirst(sentence: string): string {
  return sentence ? `${sentence[0].toLowerCase()}${sentence.slice(1)}` : sentence;
}
