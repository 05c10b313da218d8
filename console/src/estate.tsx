import { useEffect, useState } from 'preact/hooks';
import { filterInstant, fmtTime, queryAll, type Entity } from './api';
import type { Live } from './main';

/**
 * The estate at a glance, asked of the EM API as an integration would: `/api/query` with
 * filters, `format=Entities`, JSON. "Now" is the server's clock (from the event stream), not
 * the browser's, so "the last 24 h" follows a frozen or advanced clock.
 */

const SESSION_TYPES = [
  ['BackupJobSession', 'BackupJobSessions'],
  ['ReplicaJobSession', 'ReplicaJobSessions'],
] as const;

interface Estate {
  servers: Entity[];
  jobs: Entity[] | string;
  running: Entity[];
  failed: Entity[];
  last: Map<string, Entity>;
  since: number;
}

async function sessions(filter: string, opts: { sortDesc?: string; max?: number } = {}): Promise<Entity[]> {
  const parts = await Promise.all(SESSION_TYPES.map(([type, list]) => queryAll(type, list, { filter, ...opts })));
  return parts.flat();
}

async function loadEstate(now: number): Promise<Estate> {
  const since = now - 24 * 3_600_000;
  const [servers, jobs, running, failed, recent] = await Promise.all([
    queryAll('BackupServer', 'BackupServers'),
    // Jobs are for Portal Administrators only: a viewer sees why the table is empty.
    queryAll('Job', 'Jobs').catch((e: Error) => e.message),
    sessions('State!=Stopped'),
    sessions(`Result==Failed;CreationTime>=${filterInstant(since)}`),
    // The latest finished run of each job: one page of the newest sessions is enough for a glance.
    sessions('State==Stopped', { sortDesc: 'CreationTime', max: 1000 }),
  ]);
  const last = new Map<string, Entity>();
  recent.sort((a, b) => String(b.CreationTimeUTC).localeCompare(String(a.CreationTimeUTC)));
  for (const s of recent) if (!last.has(s.JobUid)) last.set(s.JobUid, s);
  return { servers, jobs, running, failed, last, since };
}

const serverOf = (e: Entity) => e.Links?.find((l: Entity) => l.Type === 'BackupServerReference')?.Name ?? '—';

export function ResultBadge({ result }: { result?: string }) {
  return <span class={`badge ${String(result ?? 'None').toLowerCase()}`}>{result ?? '—'}</span>;
}

export function EstateView({ live }: { live: Live }) {
  const [estate, setEstate] = useState<Estate>();
  const [error, setError] = useState('');
  const now = live.clock ? Date.parse(live.clock.now) : undefined;
  // Refetch when the data changes, or when a running clock has moved on a minute.
  const minute = now === undefined ? undefined : Math.floor(now / 60_000);
  useEffect(() => {
    if (now === undefined) return;
    let stale = false;
    loadEstate(now).then(
      (e) => !stale && (setEstate(e), setError('')),
      (e: Error) => !stale && setError(e.message),
    );
    return () => void (stale = true);
  }, [live.generation, minute]);

  if (error) return <p class="error">{error}</p>;
  if (!estate) return <p class="muted">Loading the estate…</p>;
  const jobs = typeof estate.jobs === 'string' ? [] : estate.jobs;
  return (
    <div class="estate" data-testid="estate-loaded">
      <div class="tiles">
        <Tile label="Backup servers" value={estate.servers.length} id="servers" />
        <Tile label="Jobs" value={typeof estate.jobs === 'string' ? '—' : jobs.length} id="jobs" />
        <Tile label="Running sessions" value={estate.running.length} id="running" />
        <Tile label="Failed, last 24 h" value={estate.failed.length} id="failed" bad={estate.failed.length > 0} />
      </div>
      <div class="grid2">
        <div class="card">
          <h3>Backup servers</h3>
          <table>
            <thead><tr><th>Name</th><th>Port</th><th>Version</th></tr></thead>
            <tbody>
              {estate.servers.map((s) => (
                <tr key={s.UID}><td>{s.Name}</td><td>{s.Port}</td><td>{s.Version}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="card">
          <h3>Running sessions</h3>
          {estate.running.length === 0 ? <p class="muted">Nothing runs.</p> : (
            <table data-testid="running-table">
              <thead><tr><th>Session</th><th>State</th><th>Started</th><th>Progress</th></tr></thead>
              <tbody>
                {estate.running.map((s) => (
                  <tr key={s.UID}>
                    <td>{s.Name}</td>
                    <td>{s.State}</td>
                    <td>{fmtTime(s.CreationTimeUTC)}</td>
                    <td><progress max={100} value={s.Progress} /> {s.Progress}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      <div class="card">
        <h3>Jobs</h3>
        {typeof estate.jobs === 'string' ? <p class="error">{estate.jobs}</p> : (
          <table data-testid="jobs-table">
            <thead><tr><th>Name</th><th>Type</th><th>Server</th><th>Last result</th><th>Last run</th><th>Next run</th></tr></thead>
            <tbody>
              {jobs.map((j) => {
                const last = estate.last.get(j.UID);
                return (
                  <tr key={j.UID}>
                    <td>{j.Name}</td>
                    <td>{j.JobType}</td>
                    <td>{serverOf(j)}</td>
                    <td><ResultBadge result={last?.Result} /></td>
                    <td>{fmtTime(last?.CreationTimeUTC)}</td>
                    <td>{j.ScheduleEnabled === false ? 'disabled' : fmtTime(j.NextRun)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      <div class="card">
        <h3>Failures since {fmtTime(new Date(estate.since).toISOString())}</h3>
        {estate.failed.length === 0 ? <p class="muted">None.</p> : (
          <table>
            <thead><tr><th>Session</th><th>Ended</th><th>Retry</th><th>Message</th></tr></thead>
            <tbody>
              {estate.failed.map((s) => (
                <tr key={s.UID}><td>{s.Name}</td><td>{fmtTime(s.EndTimeUTC)}</td><td>{s.IsRetry ? 'yes' : ''}</td><td>{s.FailureMessage}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

function Tile({ label, value, id, bad }: { label: string; value: number | string; id: string; bad?: boolean }) {
  return (
    <div class={`tile${bad ? ' bad' : ''}`}>
      <div class="value" data-count={id}>{value}</div>
      <div class="label">{label}</div>
    </div>
  );
}
