import type { ScriptedRun } from '../demo/runs.js';

export type { ScriptedRun } from '../demo/runs.js';

/**
 * What the HTTP layer asks of the live estate (the simulation engine implements it): run the
 * time that passed, and carry out an operator's job action. Everything takes the clock's `now`
 * from the caller, so the engine never reads a clock of its own.
 */

/** Job sessions (not task sessions) a catch-up started and finished. */
export interface RunCounts {
  readonly sessionsStarted: number;
  readonly sessionsFinished: number;
}

/** The job actions of `POST {B}/jobs/{ID}?action=…` that change what the job does. */
export type JobAction = 'start' | 'stop' | 'retry' | 'toggleScheduleEnabled';

/** How an action went: whether the operation was carried out (not how the run it started ends). */
export interface ActionOutcome {
  readonly ok: boolean;
  /** EM's message, on failure (e.g. the job is running already). */
  readonly message: string;
  /** The job session the action started or stopped, if any. */
  readonly session?: { readonly type: 'ReplicaJobSession' | 'BackupJobSession'; readonly id: string };
}

export interface Estate {
  /** Runs, in order, everything due up to `now` and writes what it changed; resolves when committed. */
  catchUp(now: number): Promise<RunCounts>;
  /** Carries out a job action at `now`; undefined when there is no such job. */
  jobAction(jobId: string, action: JobAction, now: number): Promise<ActionOutcome | undefined>;
}

/** The estate's state as the control plane shows it. */
export interface EstateStatus {
  readonly enabled: boolean;
  readonly jobs: number;
  readonly running: number;
  /** Another node of the same database runs it (this one knows nothing of its state). */
  readonly elsewhere?: true;
}

/**
 * What the control plane does with the estate (contract §2). Answers may come later (a worker
 * process that does not run the estate asks the one that does), so callers await them.
 */
export interface EstateControl {
  status(): EstateStatus | Promise<EstateStatus>;
  /** Paused, the engine runs nothing; resumed, it catches up with what was due meanwhile. */
  setEnabled(enabled: boolean): void | Promise<void>;
  /** The job's next runs end as scripted; false when there is no such job. */
  script(jobId: string, runs: readonly ScriptedRun[]): boolean | Promise<boolean>;
  /** Whether EM reaches the server; false when there is no such server. */
  setServerReachable(serverId: string, reachable: boolean): boolean | Promise<boolean>;
}

/** The estate as the app holds it: run, acted on, and controlled. */
export interface LiveEstate extends Estate, EstateControl {
  /** Where it runs apart (a thread): stops it there; what it was writing is rolled back, never half-written. */
  close?(): Promise<void>;
  /** Where it runs apart: resolves, with the reason, if it stops without being closed. */
  readonly ended?: Promise<string>;
}
