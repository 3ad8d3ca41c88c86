// Popup: renders the active tab's SyncState.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { send } from '../shared/protocol';
import { REASON_TEXT, type SyncState } from '../core/state';

function StateView({ state }: { state: SyncState }) {
  switch (state.status) {
    case 'idle':
      return <p class="muted">No video checked in this tab yet.</p>;
    case 'loading':
      return <p>Loading {state.what}…</p>;
    case 'waiting-for-speech':
      return <p>Waiting for speech ({state.seconds.toFixed(0)} s so far)…</p>;
    case 'checking':
      return <p>Checking… {Math.round(state.progress * 100)} %</p>;
    case 'in-sync':
      return <p><span class="badge real">Real</span> lips and voice are in sync (confidence {state.evidence.confidence.toFixed(2)}).</p>;
    case 'out-of-sync':
      return <p><span class="badge fake">Fake?</span> audio is off by {state.evidence.offsetMs} ms (confidence {state.evidence.confidence.toFixed(2)}).</p>;
    case 'cannot-judge':
      return <p><span class="badge unsure">Can't judge</span> {REASON_TEXT[state.reason]}</p>;
    case 'error':
      return <p class="muted">Error: {state.message}</p>;
  }
}

function Popup() {
  const [state, setState] = useState<SyncState>({ status: 'idle' });
  useEffect(() => {
    void chrome.tabs.query({ active: true, currentWindow: true }).then(async ([tab]) => {
      if (tab?.id === undefined) return;
      setState((await send('popup→bg:get-tab-state', { tabId: tab.id })).state);
    }).catch((error: Error) => setState({ status: 'error', message: error.message }));
  }, []);
  return (
    <main>
      <h3>lipsync-lens</h3>
      <StateView state={state} />
      <p class="muted">Face swaps that keep the original audio, and generated lip-sync, can pass a sync check.</p>
    </main>
  );
}

render(<Popup />, document.getElementById('root')!);
