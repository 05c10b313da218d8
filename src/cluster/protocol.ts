import type { ClockState } from '../clock/clock.js';
import type { TlsMaterial } from '../http/listen.js';
import type { FaultRule } from '../http/faults/rule.js';

/**
 * The operations of the cluster IPC (docs/WORKERS.md). Worker → primary: `setup`, `ready`,
 * `clock.set`, `faults.*`, `journal.*`, `lockout.*`, `metrics`, `estate`. Primary → worker:
 * `logons.flush`, `clock.adopt`, `faults.inForce`, `journal.timed|count|clear`, `metrics.snapshot`, `estate`
 * (to the leader only). The primary stops a worker with SIGTERM, as a user would.
 */
export const OPS = {
  setup: 'setup',
  ready: 'ready',
  clockSet: 'clock.set',
  clockAdopt: 'clock.adopt',
  logonsFlush: 'logons.flush',
  faultsAdd: 'faults.add',
  faultsList: 'faults.list',
  faultsGet: 'faults.get',
  faultsRemove: 'faults.remove',
  faultsClear: 'faults.clear',
  faultsDecide: 'faults.decide',
  faultsInForce: 'faults.inForce',
  journalList: 'journal.list',
  journalCount: 'journal.count',
  journalClear: 'journal.clear',
  journalTimed: 'journal.timed',
  lockoutLocked: 'lockout.locked',
  lockoutFailed: 'lockout.failed',
  lockoutSucceeded: 'lockout.succeeded',
  metrics: 'metrics',
  metricsSnapshot: 'metrics.snapshot',
  estate: 'estate',
} as const;

/** Fault rules as workers match requests against them (the primary decides who meets one). */
export type RulesInForce = readonly { readonly id: string; readonly rule: FaultRule }[];

/** What a worker learns from the primary before it serves. */
export interface WorkerSetup {
  /** Runs the live estate (and writes it); the others ask it over IPC. */
  readonly leader: boolean;
  /** The leader that prepares a new store (administrator, demo): the first one only. */
  readonly first: boolean;
  /** For the others: whether there is a live estate to ask the leader about. */
  readonly estate: boolean;
  readonly clock: ClockState;
  readonly rules: RulesInForce;
  /** One certificate for every worker (made once, by the primary). */
  readonly tls?: TlsMaterial;
}

/** A worker's word that it serves: its URLs, and (the leader) whether it runs an estate. */
export interface WorkerReady {
  readonly urls: readonly string[];
  readonly estate: boolean;
}

