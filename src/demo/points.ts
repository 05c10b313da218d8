import { Backup, BackupFile, Repository, RestorePoint, VmRestorePoint } from '../model/all.js';
import type { Row, TypeDecl } from '../model/index.js';
import type { DemoJob, Fleet } from './fleet.js';
import { fullData, policyOf, repositoryKey, type DemoRepository, type Policy } from './repositories.js';
import type { PlannedSession } from './session.js';
import { backupRow, pointIds, pointRows, type BackupRow, type PointFacts, type PointIds, type PointRows } from './storage-rows.js';

/**
 * The storage chain of the demo fleet as its story goes on: a backup or backup copy session
 * that ends with Success or Warning leaves a restore point in its job's backup (one backup per
 * job, made with its first point), with a VM restore point per VM it processed and one backup
 * file — a full (`.vbk`) for an active full and the job's first point, an increment (`.vib`)
 * otherwise, its size from the data the session moved. The repository's free space shrinks by
 * the file. Retention keeps a job's newest points (7–14, per job); older ones go with their VM
 * points and file, and the space comes back.
 *
 * It is a function of the sessions finished so far, told in the order they finished: the same
 * story gives the same rows whether it is told in one jump or in steps, and told again (a
 * restart replays it) it gives them again without writing anything.
 */

/** What changed since the last `drain`, parents first; deletes children first. */
export interface StorageChanges {
  readonly upserts: readonly (readonly [TypeDecl, readonly Row[]])[];
  readonly deletes: readonly (readonly [TypeDecl, readonly string[]])[];
}

interface Point {
  readonly backupSize: number;
  /** What it is made of, until its rows are made (when first drained). */
  facts?: PointFacts;
  /**
   * Instead, in a replay (its rows were stored before and are never made): what its rows' ids
   * are drawn from, its session's id and its tasks' (space-separated), until it is settled.
   * Points kept in a replay of a whole history, with their sessions and tasks, were most of the
   * estate's heap while it loaded.
   */
  sources?: string;
  /**
   * Then only the ids of its rows, all that deleting it needs: the point's id, its file's, its
   * VM points' (space-separated). Keeping the rows, with the session and tasks they came from,
   * for every point kept held ~125 MB of heap at 300k sessions, most of it in strings built
   * piece by piece (a GUID is a tree of ~20 pieces); `join` copies the ids into one flat string.
   */
  ids?: string;
}

interface Chain {
  readonly job: DemoJob;
  readonly repository: Stored;
  readonly policy: Policy;
  readonly backup: BackupRow;
  /** Points kept, oldest first. */
  readonly points: Point[];
  /** Points ever made (the first is a full). */
  made: number;
}

interface Stored {
  readonly repository: DemoRepository;
  /** Bytes of the files kept in it. */
  used: number;
}

const asRows = <T>(rows: readonly T[]) => rows as unknown as readonly Row[];

/** A point whose rows were made (or stored before): from now on only its ids are kept. */
function settle(p: Point, ids: PointIds): void {
  p.facts = undefined;
  p.sources = undefined;
  p.ids = [ids.point, ids.file, ...ids.vms].join(' ');
}

export class StorageChains {
  private readonly chains = new Map<DemoJob, Chain>();
  private readonly repositories: Stored[];
  // Since the last drain:
  private readonly added = new Set<Point>();
  private readonly removed: Point[] = [];
  private readonly newBackups: BackupRow[] = [];
  private readonly touched = new Set<Stored>();

  constructor(fleet: Fleet, private readonly seed: number) {
    this.repositories = (fleet.repositories ?? []).map((repository) => ({ repository, used: 0 }));
    const byKey = new Map(this.repositories.map((r) => [repositoryKey(r.repository.row.serverId, r.repository.row.name), r]));
    for (const job of fleet.backups) {
      const repository = job.repo === undefined || job.kind === 'replica' ? undefined : byKey.get(repositoryKey(job.row.serverId, job.repo));
      if (repository === undefined) continue;
      const backup = backupRow(seed, job, repository.repository);
      this.chains.set(job, { job, repository, policy: policyOf(seed, job), backup, points: [], made: 0 });
    }
    // Every repository is new to the first drain.
    for (const r of this.repositories) this.touched.add(r);
  }

  /**
   * A session was seen finished: its restore point, if it made one, and retention. `replaying`:
   * the point's rows are stored already (the next call is `forget`, not `drain`).
   */
  finished(s: PlannedSession, replaying: boolean): void {
    const chain = this.chains.get(s.job);
    if (chain === undefined || s.result === 'Failed' || !Number.isFinite(s.end)) return;
    const tasks = s.tasks.filter((t) => t.result !== 'Failed');
    if (tasks.length === 0) return;
    const full = s.activeFull || chain.made === 0;
    const dataSize = tasks.reduce((sum, t) => sum + (full ? fullData(t.vm) : Math.min(Math.round(t.bytes), fullData(t.vm))), 0);
    const backupSize = Math.round(dataSize * chain.policy.compression);
    const point: Point = replaying
      ? { backupSize, sources: [s.id, ...tasks.map((t) => t.id)].join(' ') }
      : { backupSize, facts: { session: s, tasks, full, dataSize, backupSize } };
    if (chain.made++ === 0) this.newBackups.push(chain.backup);
    chain.points.push(point);
    this.added.add(point);
    this.use(chain.repository, point.backupSize);
    while (chain.points.length > chain.policy.retention) {
      const old = chain.points.shift()!;
      this.use(chain.repository, -old.backupSize);
      // A point made and gone between two drains was never written.
      if (!this.added.delete(old)) this.removed.push(old);
    }
  }

  private use(stored: Stored, bytes: number): void {
    stored.used += bytes;
    this.touched.add(stored);
  }

  /** The rows to write and delete for what happened since the last drain (the first: all of it). */
  drain(): StorageChanges {
    const repositories = [...this.touched].map((s) => ({ ...s.repository.row, freeSpace: s.repository.row.capacity - s.used }));
    const made = [...this.added].map((p) => {
      const rows = this.rowsOf(p.facts!);
      settle(p, { point: rows.point.id, file: rows.file.id, vms: rows.vms.map((v) => v.id) });
      return rows;
    });
    const gone = this.removed.map((p) => {
      const [point, file, ...vms] = p.ids!.split(' ');
      return { point, file, vms };
    });
    const changes: StorageChanges = {
      upserts: [
        [Repository, asRows(repositories)],
        [Backup, asRows([...this.newBackups])],
        [RestorePoint, asRows(made.map((r) => r.point))],
        [BackupFile, asRows(made.map((r) => r.file))],
        [VmRestorePoint, asRows(made.flatMap((r) => r.vms))],
      ],
      deletes: [
        [VmRestorePoint, gone.flatMap((r) => r.vms)],
        [BackupFile, gone.map((r) => r.file)],
        [RestorePoint, gone.map((r) => r.point)],
      ],
    };
    this.clear();
    return changes;
  }

  /**
   * As `drain`, for changes stored already (a replay of the story told before): keeps only
   * what later changes need, the new points' ids, without making their rows.
   */
  forget(): void {
    for (const p of this.added) {
      const [session, ...tasks] = p.sources?.split(' ') ?? [p.facts!.session.id, ...p.facts!.tasks.map((t) => t.id)];
      settle(p, pointIds(this.seed, session, tasks));
    }
    this.clear();
  }

  private clear(): void {
    this.added.clear();
    this.removed.length = 0;
    this.newBackups.length = 0;
    this.touched.clear();
  }

  private rowsOf(facts: PointFacts): PointRows {
    const chain = this.chains.get(facts.session.job)!;
    return pointRows(this.seed, facts, chain.backup, chain.repository.repository);
  }
}
