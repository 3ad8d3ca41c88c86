// The one typed message protocol for every extension context. Message names say their
// direction; each has a typed payload and a typed response. Errors travel back as an
// envelope and are rethrown at the caller (webextension-polyfill's pattern), so a
// failure in any hop surfaces where the request was made.
import type { SyncState } from '../core/state';

export interface Messages {
  'popup→bg:get-tab-state': { request: { tabId: number }; response: { state: SyncState } };
  'bg→offscreen:ping': { request: Record<string, never>; response: { ready: boolean } };
}

export type MessageName = keyof Messages;
export type RequestOf<N extends MessageName> = Messages[N]['request'];
export type ResponseOf<N extends MessageName> = Messages[N]['response'];

export interface Envelope<N extends MessageName = MessageName> {
  name: N;
  payload: RequestOf<N>;
}

type Reply<N extends MessageName> = { ok: true; value: ResponseOf<N> } | { ok: false; error: { name: string; message: string } };

export class RemoteError extends Error {
  constructor(name: string, message: string, readonly messageName: string) {
    super(`${message} (in handler for ${messageName})`);
    this.name = name;
  }
}

export async function send<N extends MessageName>(name: N, payload: RequestOf<N>): Promise<ResponseOf<N>> {
  const reply = (await chrome.runtime.sendMessage({ name, payload } satisfies Envelope<N>)) as Reply<N> | undefined;
  if (!reply) throw new RemoteError('NoHandler', `no context handled ${name}`, name);
  if (!reply.ok) throw new RemoteError(reply.error.name, reply.error.message, name);
  return reply.value;
}

export type Handlers = { [N in MessageName]?: (payload: RequestOf<N>, sender: chrome.runtime.MessageSender) => Promise<ResponseOf<N>> | ResponseOf<N> };

/** Installs handlers; only messages from this extension's own pages are accepted. */
export function listen(handlers: Handlers): void {
  chrome.runtime.onMessage.addListener((message: Envelope, sender, sendResponse) => {
    const handler = handlers[message?.name] as ((p: unknown, s: chrome.runtime.MessageSender) => unknown) | undefined;
    if (!handler) return false;
    if (sender.id !== chrome.runtime.id) return false;
    Promise.resolve()
      .then(() => handler(message.payload, sender))
      .then(
        (value) => sendResponse({ ok: true, value }),
        (error: unknown) => {
          const e = error instanceof Error ? error : new Error(String(error));
          sendResponse({ ok: false, error: { name: e.name, message: e.message } });
        },
      );
    return true;
  });
}
