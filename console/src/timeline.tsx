import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtTime, guidOf, queryAll, type Entity } from './api';
import { ResultBadge } from './estate';
import type { Live } from './main';

/**
 * One job's sessions over time: each run a point at its start, its height the run's length in
 * minutes, one series per result (so colour says how it ended). Running sessions are drawn up
 * to the server's now.
 */

const RESULTS = [
  ['Success', '#2e9d4a'],
  ['Warning', '#d49b00'],
  ['Failed', '#d0342c'],
  ['None', '#3a78c2'],
] as const;

export function TimelineView({ live }: { live: Live }) {
  const [jobs, setJobs] = useState<Entity[]>([]);
  const [job, setJob] = useState('');
  const [sessions, setSessions] = useState<Entity[]>([]);
  const [error, setError] = useState('');
  const chart = useRef<HTMLDivElement>(null);

  useEffect(() => {
    queryAll('Job', 'Jobs').then((j) => {
      setJobs(j);
      if (!job && j[0]) setJob(j[0].UID);
    }, (e: Error) => setError(e.message));
  }, []);

  const selected = jobs.find((j) => j.UID === job);
  useEffect(() => {
    if (!selected) return;
    // A replication job's runs are ReplicaJobSessions, every other job's BackupJobSessions.
    const [type, list] = selected.JobType === 'Replica' ? ['ReplicaJobSession', 'ReplicaJobSessions'] : ['BackupJobSession', 'BackupJobSessions'];
    queryAll(type, list, { filter: `JobUid==${guidOf(selected.UID)}`, sortAsc: 'CreationTime' }).then(setSessions, (e: Error) => setError(e.message));
  }, [job, live.generation]);

  useEffect(() => {
    const el = chart.current;
    if (!el || sessions.length === 0) return;
    const now = live.clock ? Date.parse(live.clock.now) : Date.now();
    const xs = sessions.map((s) => Date.parse(s.CreationTimeUTC) / 1000);
    const minutes = sessions.map((s) => ((s.EndTimeUTC ? Date.parse(s.EndTimeUTC) : now) - Date.parse(s.CreationTimeUTC)) / 60_000);
    const series = RESULTS.map(([result]) => sessions.map((s, i) => ((s.Result ?? 'None') === result ? minutes[i] : null)));
    const plot = new uPlot(
      {
        width: Math.max(320, el.clientWidth),
        height: 320,
        scales: { x: { time: true } },
        axes: [{}, { label: 'run length (min)' }],
        series: [
          { label: 'start' },
          ...RESULTS.map(([label, color]) => ({
            label,
            stroke: color,
            fill: color,
            // Points only: runs are separate events, a line between them would mean nothing.
            paths: () => null,
            points: { show: true, size: 8, fill: color },
            value: (_u: uPlot, v: number | null) => (v == null ? '—' : `${v.toFixed(1)} min`),
          })),
        ],
      },
      [xs, ...series] as uPlot.AlignedData,
      el,
    );
    return () => plot.destroy();
  }, [sessions, live.clock?.now]);

  if (error) return <p class="error">{error}</p>;
  const failed = sessions.filter((s) => s.Result === 'Failed').length;
  return (
    <div class="card">
      <label>
        Job{' '}
        <select value={job} onChange={(e) => setJob(e.currentTarget.value)} data-testid="timeline-job">
          {jobs.map((j) => (
            <option key={j.UID} value={j.UID}>{j.Name} ({j.JobType})</option>
          ))}
        </select>
      </label>
      <p class="muted" data-testid="timeline-summary">
        {sessions.length} sessions, {failed} failed{sessions.length > 0 && <>; last {fmtTime(sessions[sessions.length - 1].CreationTimeUTC)} <ResultBadge result={sessions[sessions.length - 1].Result} /></>}
      </p>
      <div ref={chart} class="chart" data-testid="timeline-chart" />
    </div>
  );
}
