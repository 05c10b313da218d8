import { useEffect, useState } from 'preact/hooks';
import { admin, fmtTime } from './api';
import type { Live } from './main';

/** The control plane's views (contract §1, §4, §5): the clock, fault rules, the request journal. */

export function ClockView({ live }: { live: Live }) {
  const [advance, setAdvance] = useState('PT1H');
  const [speed, setSpeed] = useState('60');
  const [ran, setRan] = useState<{ sessionsStarted: number; sessionsFinished: number }>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const post = async (body: unknown) => {
    setBusy(true);
    setError('');
    try {
      const answer = await admin('/clock', { method: 'POST', body });
      if (answer.ran) setRan(answer.ran);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const clock = live.clock;
  return (
    <div class="card clock">
      <div class="now" data-testid="clock-now">{clock ? fmtTime(clock.now) : '…'}</div>
      <p>
        {clock?.frozen ? 'Frozen' : 'Running'} · speed <b data-testid="clock-speed">{clock?.speed ?? '…'}</b>× (simulated seconds per real second)
      </p>
      <div class="row">
        <button disabled={busy} onClick={() => post({ frozen: !clock?.frozen })} data-testid="clock-freeze">
          {clock?.frozen ? 'Unfreeze' : 'Freeze'}
        </button>
      </div>
      <div class="row">
        <label>Advance by <input value={advance} onInput={(e) => setAdvance(e.currentTarget.value)} size={10} data-testid="clock-advance-input" /></label>
        <button disabled={busy} onClick={() => post({ advance })} data-testid="clock-advance">Advance</button>
        {['PT15M', 'PT1H', 'PT6H', 'P1D'].map((d) => (
          <button key={d} disabled={busy} class="small" onClick={() => post({ advance: d })}>+{d.replace(/^PT?/, '')}</button>
        ))}
      </div>
      <div class="row">
        <label>Speed <input value={speed} onInput={(e) => setSpeed(e.currentTarget.value)} size={8} /></label>
        <button disabled={busy} onClick={() => post({ speed: Number(speed) })}>Set speed</button>
      </div>
      {ran && (
        <p data-testid="clock-ran">
          Last move ran {ran.sessionsStarted} session start(s) and {ran.sessionsFinished} finish(es).
        </p>
      )}
      {error && <p class="error">{error}</p>}
    </div>
  );
}

const EXAMPLE_RULE = JSON.stringify({ match: { method: 'GET', path: '/api/query' }, fault: { status: 503, message: 'Service unavailable' }, count: 2 }, null, 1);

export function FaultsView() {
  const [rules, setRules] = useState<any[]>([]);
  const [text, setText] = useState(EXAMPLE_RULE);
  const [error, setError] = useState('');
  const reload = () => admin('/faults').then((r) => setRules(r.faults ?? []), (e: Error) => setError(e.message));
  useEffect(() => void reload(), []);
  const act = async (f: () => Promise<unknown>) => {
    setError('');
    try {
      await f();
    } catch (e) {
      setError((e as Error).message);
    }
    await reload();
  };
  return (
    <div class="card">
      <h3>Fault rules</h3>
      {rules.length === 0 ? <p class="muted" data-testid="faults-empty">No rules: every request is answered normally.</p> : (
        <table data-testid="faults-table">
          <thead><tr><th>Id</th><th>Match</th><th>Fault</th><th>Hits</th><th /></tr></thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id}>
                <td>{r.id}</td>
                <td><code>{JSON.stringify(r.match ?? {})}</code></td>
                <td><code>{JSON.stringify(r.fault ?? { delay: r.delay })}</code></td>
                <td>{r.hits}</td>
                <td><button class="small" onClick={() => act(() => admin(`/faults/${encodeURIComponent(r.id)}`, { method: 'DELETE' }))}>Delete</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>New rule</h4>
      <textarea rows={6} cols={70} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="fault-json" />
      <div class="row">
        <button onClick={() => act(() => admin('/faults', { method: 'POST', body: JSON.parse(text) }))} data-testid="fault-add">Add rule</button>
        <button onClick={() => act(() => admin('/faults', { method: 'DELETE' }))}>Delete all</button>
      </div>
      {error && <p class="error">{error}</p>}
    </div>
  );
}

export function JournalView({ live }: { live: Live }) {
  const [path, setPath] = useState('');
  const [answer, setAnswer] = useState<{ requests: any[]; total: number }>();
  const [error, setError] = useState('');
  const load = () => {
    const q = new URLSearchParams({ limit: '100' });
    if (path) q.set('path', path);
    admin(`/requests?${q}`).then(setAnswer, (e: Error) => setError(e.message));
  };
  useEffect(load, [live.generation]);
  return (
    <div class="card">
      <h3>Request journal</h3>
      <div class="row">
        <label>Path prefix <input value={path} onInput={(e) => setPath(e.currentTarget.value)} placeholder="/api/query" /></label>
        <button onClick={load}>Refresh</button>
        <button onClick={() => admin('/requests', { method: 'DELETE' }).then(load, (e: Error) => setError(e.message))}>Clear</button>
      </div>
      {error && <p class="error">{error}</p>}
      {answer && (
        <>
          <p class="muted">The {answer.requests.length} most recent of {answer.total} journalled requests (this console's own API calls included).</p>
          <table data-testid="journal-table">
            <thead><tr><th>At (server clock)</th><th>Method</th><th>Path</th><th>Query</th><th>Status</th><th>ms</th><th>User</th><th>Fault</th></tr></thead>
            <tbody>
              {answer.requests.map((r, i) => (
                <tr key={i} class={r.status >= 400 ? 'bad' : ''}>
                  <td>{fmtTime(r.at)}</td><td>{r.method}</td><td>{r.path}</td><td class="query">{new URLSearchParams(r.query ?? {}).toString()}</td>
                  <td>{r.status ?? '…'}</td><td>{r.ms}</td><td>{r.user ?? ''}</td><td>{r.fault ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
