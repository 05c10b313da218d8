import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { admin, events, hasAdmin, logOn, type ClockState, type Credentials } from './api';
import { ClockView, FaultsView, JournalView } from './control';
import { EstateView } from './estate';
import { ExplorerView } from './explorer';
import { TimelineView } from './timeline';
import './style.css';

/** What every view may read: the server's clock and the data generation (bumped by the event stream). */
export interface Live {
  clock?: ClockState;
  generation: number;
  connected: boolean;
}

const VIEWS = [
  ['estate', 'Estate'],
  ['timeline', 'Timeline'],
  ['clock', 'Clock'],
  ['faults', 'Faults'],
  ['journal', 'Journal'],
  ['explorer', 'Query explorer'],
] as const;
type ViewId = (typeof VIEWS)[number][0];

function Logon({ onDone }: { onDone: (c: Credentials) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onDone(await logOn(user, password, token.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="logon card" onSubmit={submit}>
      <h2>Log on</h2>
      <p class="muted">An Enterprise Manager account, as <code>POST /api/sessionMngr/?v=latest</code> takes it. The admin token is optional: it opens the clock, faults and journal.</p>
      <label>User <input name="user" autocomplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} placeholder="DOMAIN\user" /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
      <label>Admin token <input name="adminToken" type="password" value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder="optional" /></label>
      <button type="submit" disabled={busy}>Log on</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

function App() {
  const [creds, setCreds] = useState<Credentials>();
  const [view, setView] = useState<ViewId>((location.hash.slice(1) as ViewId) || 'estate');
  const [live, setLive] = useState<Live>({ generation: 0, connected: false });

  useEffect(() => {
    const onHash = () => setView((location.hash.slice(1) as ViewId) || 'estate');
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    if (!creds) return;
    const abort = new AbortController();
    // The clock also from the control plane, should the event stream be slow to come (or refused: too many streams).
    if (hasAdmin()) admin<ClockState>('/clock').then((c) => setLive((l) => (l.clock ? l : { ...l, clock: c })), () => undefined);
    void events((name, data) => {
      if (name === 'clock') setLive((l) => ({ ...l, clock: data }));
      else if (name === 'data') setLive((l) => ({ ...l, generation: data.generation }));
      else if (name === 'open' || name === 'closed') setLive((l) => ({ ...l, connected: name === 'open' }));
    }, abort.signal);
    return () => abort.abort();
  }, [creds]);

  if (!creds) {
    return (
      <main>
        <Header />
        <Logon onDone={setCreds} />
      </main>
    );
  }
  const needsAdmin = (id: ViewId) => id === 'clock' || id === 'faults' || id === 'journal';
  return (
    <main>
      <Header>
        <span class="who">
          {creds.user}
          {hasAdmin() ? ' · admin' : ''} · <span class={live.connected ? 'ok' : 'warn'} data-testid="live">{live.connected ? 'live' : 'offline'}</span>
          {live.clock && <span data-testid="header-clock"> · {live.clock.now.replace('T', ' ').slice(0, 19)}Z{live.clock.frozen ? ' (frozen)' : ''}</span>}
        </span>
      </Header>
      <nav>
        {VIEWS.map(([id, label]) => (
          <a key={id} href={`#${id}`} class={id === view ? 'active' : ''} data-view={id}>
            {label}
          </a>
        ))}
      </nav>
      <section data-testid={`view-${view}`}>
        {needsAdmin(view) && !hasAdmin() ? (
          <p class="card muted">This view uses the control plane: log on again with the admin token.</p>
        ) : view === 'estate' ? (
          <EstateView live={live} />
        ) : view === 'timeline' ? (
          <TimelineView live={live} />
        ) : view === 'clock' ? (
          <ClockView live={live} />
        ) : view === 'faults' ? (
          <FaultsView />
        ) : view === 'journal' ? (
          <JournalView live={live} />
        ) : (
          <ExplorerView />
        )}
      </section>
    </main>
  );
}

function Header({ children }: { children?: preact.ComponentChildren }) {
  return (
    <header>
      <h1>
        emrest <span class="muted">console</span>
      </h1>
      {children}
    </header>
  );
}

render(<App />, document.getElementById('app')!);
