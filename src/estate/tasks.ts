/**
 * EM's `Task` resources (`/api/tasks`, docs/EM-TASKS.md): what an operator's job action
 * started, held in memory. A task is created Running by `POST {B}/jobs/{ID}?action=…` and
 * finished (with a result and, when the action started or stopped a run, the job session it
 * concerns) when the estate has carried the action out. EM keeps tasks per logon session and
 * numbers them `task-1`, `task-2`, …; here one counter serves the process, so an id is never
 * reused, and only the most recent `limit` tasks are kept.
 */

/** EM's task states; `OperationFinished` (carried out on the VBR server, not yet collected by EM) is never shown here. */
export type TaskState = 'Running' | 'Finished';

export interface TaskResult {
  /** Whether the operation was carried out (the job started), not how the run it started ends. */
  readonly success: boolean;
  readonly message: string;
}

/** The job session a task concerns: the `Related` link of the finished task. */
export interface TaskSession {
  readonly type: 'ReplicaJobSession' | 'BackupJobSession';
  readonly id: string;
}

/** Who created a task: the logon session (`GET /tasks` lists only its tasks) and its user. */
export interface TaskOwner {
  readonly sessionId: string;
  readonly userName: string;
}

/** One task as it stands: an immutable snapshot (a later change makes a new one). */
export interface Task {
  /** `task-<n>`, EM's form. */
  readonly id: string;
  /** EM's operation name: StartJob, StopJob, RetryJob, UpdateJob. */
  readonly operation: string;
  readonly owner: TaskOwner;
  readonly state: TaskState;
  /** Present once Finished. */
  readonly result?: TaskResult;
  readonly session?: TaskSession;
}

export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();
  private last = 0;

  /** `limit`: tasks kept; creating one more forgets the oldest (running or not). */
  constructor(private readonly limit = 1000) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`task limit must be a positive integer, got ${limit}`);
  }

  /** A new Running task, as the action's 202 answer shows it. */
  create(operation: string, owner: TaskOwner): Task {
    const task: Task = Object.freeze({ id: `task-${++this.last}`, operation, owner, state: 'Running' });
    this.tasks.set(task.id, task);
    while (this.tasks.size > this.limit) this.tasks.delete(this.tasks.keys().next().value!);
    return task;
  }

  /**
   * Finishes a task with its result; a task already finished, deleted or forgotten stays as it
   * is (undefined is returned then).
   */
  finish(id: string, result: TaskResult, session?: TaskSession): Task | undefined {
    const task = this.tasks.get(id);
    if (!task || task.state !== 'Running') return undefined;
    const done: Task = Object.freeze({ ...task, state: 'Finished', result: Object.freeze({ ...result }), ...(session && { session: Object.freeze({ ...session }) }) });
    this.tasks.set(id, done);
    return done;
  }

  /** The task with this id (compared case-insensitively, as EM compares resource ids). */
  get(id: string): Task | undefined {
    return this.tasks.get(id.toLowerCase());
  }

  /** The tasks a logon session created, oldest first. */
  listFor(sessionId: string): Task[] {
    return [...this.tasks.values()].filter((t) => t.owner.sessionId === sessionId);
  }

  /** Forgets a task (`DELETE /tasks/{ID}`); a running action still runs, its result is dropped. */
  delete(id: string): boolean {
    return this.tasks.delete(id.toLowerCase());
  }

  get size(): number {
    return this.tasks.size;
  }
}
