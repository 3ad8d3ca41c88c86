// Two small pieces every view shares: an error in plain words with its technical detail
// behind a "Details" toggle (src/shared/errors.ts), and the polite live region that
// announces state changes to screen readers (src/shared/state-look.ts → announcement).
import type { PlainError } from '../shared/errors';
import { t } from '../shared/i18n';

/** `text` empty: the plain sentence is already shown (a state's sentence), only the toggle is added. */
export function ErrorMessage({ error, id }: { error: Pick<PlainError, 'text' | 'detail'>; id?: string }) {
  return (
    <div class="error-message" id={id}>
      {error.text && <p class="error">{error.text}</p>}
      {error.detail && error.detail !== error.text && (
        <details class="error-detail">
          <summary>{t('details')}</summary>
          <code>{error.detail}</code>
        </details>
      )}
    </div>
  );
}

/** Visually hidden; screen readers read each new text once, without interrupting. */
export function LiveRegion({ text }: { text: string }) {
  return (
    <p class="sr-only live" role="status" aria-live="polite">
      {text}
    </p>
  );
}
