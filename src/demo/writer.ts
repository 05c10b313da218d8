import { BackupJobSession, BackupTaskSession, ReplicaJobSession, ReplicaTaskSession } from '../model/all.js';
import type { Row, TypeDecl } from '../model/index.js';
import type { StoreWriter } from '../store/store.js';
import type { JobSessionRow, TaskSessionRow } from '../model/rows.js';
import type { DemoJob } from './fleet.js';
import type { DemoCounts } from './options.js';

/** At most this many rows per upsert call. */
const BATCH = 5000;
/**
 * A side's buffered rows are written once there are this many: rows then die young (V8's
 * scavenger frees them cheaply), while larger buffers get promoted to the old generation and
 * make GC cost several times the generation itself.
 */
const FLUSH_ROWS = 256;

/** The sessions of replication jobs, and those of backup and backup copy jobs. */
export type Side = 'replica' | 'backup';
export const sideOf = (job: DemoJob): Side => (job.kind === 'replica' ? 'replica' : 'backup');

const SIDES: Record<Side, { readonly types: readonly [TypeDecl, TypeDecl]; readonly counts: readonly [keyof DemoCounts, keyof DemoCounts] }> = {
  replica: { types: [ReplicaJobSession, ReplicaTaskSession], counts: ['sessions', 'tasks'] },
  backup: { types: [BackupJobSession, BackupTaskSession], counts: ['backupSessions', 'backupTasks'] },
};

/** Buffers rows and hands them to the store writer in small batches, sessions before their tasks. */
export class Writer {
  private readonly sessions: Record<Side, Row[]> = { replica: [], backup: [] };
  private readonly tasks: Record<Side, Row[]> = { replica: [], backup: [] };
  readonly counts: DemoCounts = {
    servers: 0, jobs: 0, sessions: 0, tasks: 0, backupSessions: 0, backupTasks: 0, agentJobs: 0, nasJobs: 0, repositories: 0, restorePoints: 0,
  };

  constructor(private readonly w: StoreWriter, private readonly progress?: (sessions: number) => void) {}

  async put(type: TypeDecl, rows: readonly object[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) await this.w.upsert(type, rows.slice(i, i + BATCH) as unknown as Row[]);
  }

  /** Buffers a session and its tasks. */
  add(side: Side, row: JobSessionRow, tasks: readonly TaskSessionRow[]): void {
    const buffer = this.tasks[side];
    this.sessions[side].push(row as unknown as Row);
    for (let i = 0; i < tasks.length; i++) buffer.push(tasks[i] as unknown as Row);
    const [sessions, taskCount] = SIDES[side].counts;
    this.counts[sessions]++;
    this.counts[taskCount] += tasks.length;
  }

  /** Enough rows are buffered to write them. */
  due(side: Side): boolean {
    return this.sessions[side].length + this.tasks[side].length >= FLUSH_ROWS;
  }

  async flush(side: Side): Promise<void> {
    const [sessionType, taskType] = SIDES[side].types;
    const sessions = this.sessions[side], tasks = this.tasks[side];
    this.sessions[side] = [];
    this.tasks[side] = [];
    if (sessions.length > 0) await this.put(sessionType, sessions);
    if (tasks.length > 0) await this.put(taskType, tasks);
    this.progress?.(this.counts.sessions + this.counts.backupSessions);
  }
}
