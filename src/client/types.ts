/**
 * Types of what the EM API and the control plane answer, as the client sees them. Pure data
 * and types: nothing here depends on the server's modules (a test holds `QUERY_FIELDS` equal
 * to the server's declarations).
 */

import { AGENTS_NAS_LIST_ELEMENTS, AGENTS_NAS_QUERY_FIELDS, type AgentsNasEntityOf, type AgentsNasQueryType } from './agents-nas-types.js';
import { STORAGE_LIST_ELEMENTS, STORAGE_QUERY_FIELDS, type StorageEntityOf, type StorageQueryType } from './storage-types.js';

// ---------------------------------------------------------------------------------------------
// EM API (spec em-api.md)

export type QueryType = 'ReplicaJobSession' | 'ReplicaTaskSession' | 'BackupJobSession' | 'BackupTaskSession' | 'BackupServer' | 'Job'
  | AgentsNasQueryType | StorageQueryType;

export const SESSION_RESULTS = ['None', 'Success', 'Warning', 'Failed'] as const;
export const JOB_SESSION_STATES = ['Starting', 'Stopping', 'Working', 'Pausing', 'Resuming', 'Stopped'] as const;
export const TASK_SESSION_STATES = ['InProgress', 'Pending', 'Completed'] as const;
export const BACKUP_JOB_TYPES = ['Backup', 'BackupCopy', 'ImmediateBackupCopy', 'ImmediateBackupCopyWorker', 'AgentBackup', 'AgentManagement', 'NasBackup'] as const;
export const JOB_TYPES = ['Backup', 'BackupCopy', 'ImmediateBackupCopy', 'Replica'] as const;
export const PLATFORMS = ['VMware', 'HyperV', 'vCloud', 'CustomPlatform'] as const;

export type SessionResult = (typeof SESSION_RESULTS)[number];
export type JobSessionState = (typeof JOB_SESSION_STATES)[number];
export type TaskSessionState = (typeof TASK_SESSION_STATES)[number];
export type BackupJobType = (typeof BACKUP_JOB_TYPES)[number];
export type JobType = (typeof JOB_TYPES)[number];
export type Platform = (typeof PLATFORMS)[number];

/**
 * The filter (and sort) fields of each query type (spec §5) and what they hold: `string`,
 * `uid` (a UID URN or bare GUID), `datetime`, `bool`, `int`, `long`, or the enum's members in
 * their order. `CreationTimeUTC`/`EndTimeUTC` are EM's aliases of `CreationTime`/`EndTime`.
 */
const JOB_SESSION_COMMON = {
  Name: 'string',
  UID: 'uid',
  JobUid: 'uid',
  JobName: 'string',
  CreationTime: 'datetime',
  CreationTimeUTC: 'datetime',
  EndTime: 'datetime',
  EndTimeUTC: 'datetime',
  State: JOB_SESSION_STATES,
  Result: SESSION_RESULTS,
  IsRetry: 'bool',
  BackupServerUid: 'uid',
  BackupServerName: 'string',
} as const;
const TASK_SESSION_FIELDS = {
  Name: 'string',
  UID: 'uid',
  VmDisplayName: 'string',
  JobSessionUid: 'uid',
  CreationTime: 'datetime',
  CreationTimeUTC: 'datetime',
  EndTime: 'datetime',
  EndTimeUTC: 'datetime',
  State: TASK_SESSION_STATES,
  Result: SESSION_RESULTS,
  Reason: 'string',
  TotalSize: 'long',
  JobUid: 'uid',
  JobName: 'string',
  BackupServerUid: 'uid',
  BackupServerName: 'string',
} as const;

export const QUERY_FIELDS = {
  ReplicaJobSession: { ...JOB_SESSION_COMMON, JobType: ['Replica'] as const },
  BackupJobSession: { ...JOB_SESSION_COMMON, JobType: BACKUP_JOB_TYPES },
  ReplicaTaskSession: TASK_SESSION_FIELDS,
  BackupTaskSession: TASK_SESSION_FIELDS,
  BackupServer: { Name: 'string', UID: 'uid', Description: 'string', Port: 'int', Version: 'string', IpOrDnsName: 'string' },
  Job: {
    Name: 'string',
    UID: 'uid',
    JobType: JOB_TYPES,
    Platform: PLATFORMS,
    Description: 'string',
    ScheduleConfigured: 'bool',
    ScheduleEnabled: 'bool',
    NextRun: 'datetime',
    BackupServerUid: 'uid',
    BackupServerName: 'string',
  },
  ...AGENTS_NAS_QUERY_FIELDS,
  ...STORAGE_QUERY_FIELDS,
} as const satisfies Record<QueryType, Record<string, string | readonly string[]>>;

/** The list element (and its JSON plural) of each query type's entities. */
export const LIST_ELEMENTS = {
  ReplicaJobSession: 'ReplicaJobSessions',
  ReplicaTaskSession: 'ReplicaTaskSessions',
  BackupJobSession: 'BackupJobSessions',
  BackupTaskSession: 'BackupTaskSessions',
  BackupServer: 'BackupServers',
  Job: 'Jobs',
  ...AGENTS_NAS_LIST_ELEMENTS,
  ...STORAGE_LIST_ELEMENTS,
} as const satisfies Record<QueryType, string>;

type ValueOfKind<K> = K extends readonly (infer M)[] ? M : K extends 'datetime' ? Date | string : K extends 'bool' ? boolean : K extends 'int' | 'long' ? number | bigint : string;

/** The filter fields of query type `T` and the values they take. */
export type FilterFields<T extends QueryType> = { -readonly [F in keyof (typeof QUERY_FIELDS)[T]]: ValueOfKind<(typeof QUERY_FIELDS)[T][F]> };
/** A field `T` can be filtered and sorted by. */
export type FieldOf<T extends QueryType> = keyof FilterFields<T> & string;

/** A link (`Rel` and `Href` always; `Name`, `Type` where EM gives them). */
export interface Link {
  Rel: string;
  Href: string;
  Name?: string | null;
  Type?: string | null;
}

/** What every resource carries. */
export interface Resource {
  Links: Link[];
  Href: string;
  Type: string;
}

/** A reference (References format, `EntityRef`, `Refs`). */
export interface Reference extends Resource {
  UID: string;
  Name: string;
}

/** An entity: a reference's members plus its own fields. */
export interface Entity extends Reference {}

interface JobSessionFields extends Entity {
  IsRetry: boolean;
  JobUid: string;
  JobName: string;
  CreationTimeUTC: string;
  /** Absent while the session runs. */
  EndTimeUTC?: string | null;
  State: JobSessionState;
  Result: SessionResult;
  Progress: number;
  /** Absent when EM has none; `""` when empty. */
  FailureMessage?: string | null;
}
export interface ReplicaJobSession extends JobSessionFields {
  JobType: 'Replica';
}
export interface BackupJobSession extends JobSessionFields {
  JobType: BackupJobType;
}
interface TaskSessionFields extends Entity {
  JobSessionUid: string;
  CreationTimeUTC: string;
  EndTimeUTC?: string | null;
  State: TaskSessionState;
  Result: SessionResult;
  Reason: string;
  TotalSize: number;
  VmDisplayName: string;
}
export type ReplicaTaskSession = TaskSessionFields;
export interface BackupTaskSession extends TaskSessionFields {
  VmUid?: string | null;
}
export interface BackupServer extends Entity {
  Description: string;
  Port: number;
  Version: string;
}
export interface Job extends Entity {
  JobType: JobType;
  Platform: Platform;
  Description: string;
  ScheduleConfigured: boolean;
  ScheduleEnabled: boolean;
  /** Absent when the job has no next run. */
  NextRun?: string | null;
}

/** The entity of each query type. */
export interface EntityOf extends StorageEntityOf, AgentsNasEntityOf {
  ReplicaJobSession: ReplicaJobSession;
  ReplicaTaskSession: ReplicaTaskSession;
  BackupJobSession: BackupJobSession;
  BackupTaskSession: BackupTaskSession;
  BackupServer: BackupServer;
  Job: Job;
}

export interface PagingInfo {
  Links: Link[];
  PageNum: number;
  PageSize: number;
  PagesCount: number;
}

/** `POST /api/sessionMngr` and `GET /api/logonSessions/{id}`. */
export interface LogonSession extends Resource {
  UserName: string;
  SessionId: string;
}

/** An EM `Task` (job actions, `GET /api/tasks/{id}`). */
export interface Task extends Resource {
  TaskId: string;
  State: 'Running' | 'Finished' | string;
  Operation: string;
  /** Absent while Running. */
  Result?: { Success: boolean; Message: string } | null;
}

/** EM's error document (spec §3). */
export interface EmErrorDocument {
  Message?: string | null;
  StatusCode?: number | null;
  FirstChanceExceptionMessage?: string | null;
  StackTrace?: string | null;
  Status?: string | null;
}

// ---------------------------------------------------------------------------------------------
// Control plane (control-plane.md)

/** `GET /admin/v1/clock` */
export interface ClockState {
  /** ISO-8601 with milliseconds and `Z`. */
  now: string;
  speed: number;
  frozen: boolean;
}

/** Job sessions a move of the clock started and finished (not task sessions). */
export interface RunCounts {
  sessionsStarted: number;
  sessionsFinished: number;
}

/** The clock after a move: `ran` says what the estate ran on the way. */
export interface ClockMove extends ClockState {
  ran: RunCounts;
}

/** A `POST /admin/v1/clock` body (keys combine, except `now` with `advance`). */
export interface ClockChange {
  now?: string | Date;
  force?: boolean;
  advance?: string | number;
  speed?: number;
  frozen?: boolean;
}

/** `GET /admin/v1/health` (contract §6) */
export interface Health {
  status: 'ok';
  /** emrest's own version. */
  version: string;
  /** The EM version whose wire the server speaks. */
  emVersion: string;
  /** Stored job sessions of every kind (task and logon sessions not counted). */
  sessions: number;
  /** The server's clock. */
  now: string;
  simulation: 'running' | 'paused' | 'off';
}

/** `GET /admin/v1/simulation` */
export interface SimulationState {
  enabled: boolean;
  jobs: number;
  running: number;
}

export type ScriptOutcome = 'Success' | 'Warning' | 'Failed';

/** A job script (contract §2). */
export interface JobScript {
  /** The job's next runs (retries count) end with these results, then its model decides again. */
  outcomes?: ScriptOutcome[];
  failureMessage?: string;
  /** Run time of the scripted runs: ISO-8601 (`"PT2H"`) or seconds. */
  duration?: string | number;
  /** Keeps the next run Working until stopped; `outcomes` then apply to the runs after it. */
  hang?: boolean;
}

/** What the server made of a script: the runs in order (`duration` in ms). */
export interface ScriptedJob {
  jobId: string;
  runs: { result?: ScriptOutcome; failureMessage?: string; duration?: number; hang?: boolean }[];
}

/** `POST /admin/v1/import`: rows per type. */
export interface ImportResult {
  inserted: Record<string, number>;
  updated: Record<string, number>;
}

/** Which requests a fault rule applies to; every field optional, all ANDed. */
export interface FaultMatch {
  method?: string;
  /** A path prefix (`"/api/query"`), or a regex written `"/…/"`. */
  path?: string;
  /** Query parameters (names case-insensitive): the value, or a regex written `"/…/"`. */
  query?: Record<string, string>;
  /** The logon session's user name. */
  user?: string;
  /** The negotiated API format. */
  format?: 'xml' | 'json';
}

/** What a matching request gets: exactly one kind. */
export type FaultKind =
  | { status: number; message?: string }
  | { reset: true }
  | { hang: true }
  | { truncate: true }
  | { slowBody: { bytesPerSecond: number } }
  | { expireSession: true };

/** A fault rule as `faults.add` takes it (contract §4); a rule without `fault` only delays. */
export interface FaultRuleInput {
  match?: FaultMatch;
  fault?: FaultKind;
  /** 0..1, drawn from a seeded stream (runs repeat). */
  probability?: number;
  /** How many times the rule fires (default: unlimited). */
  count?: number;
  /** Matching requests let through first. */
  skip?: number;
  /** ISO-8601 duration, e.g. `"PT0.5S"`. */
  delay?: string;
  jitter?: string;
  seed?: number;
}

/** A rule as the server lists it. */
export interface FaultRule {
  id: string;
  hits: number;
  match: FaultMatch;
  fault: FaultKind | null;
  probability: number;
  count: number | null;
  skip: number;
  delay: string | null;
  jitter: string | null;
  [more: string]: unknown;
}

/** One journalled request (contract §5): never bodies or credentials. */
export interface JournalEntry {
  /** ISO-8601, the server clock's now on arrival. */
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** null while unanswered, or when nothing was sent (reset, hang). */
  status: number | null;
  ms: number | null;
  user: string | null;
  bytes: number;
  /** The id of the fault rule the request met. */
  fault: string | null;
}

/** Which journal entries to list or count. */
export interface JournalFilter {
  /** A path prefix, or a regex written `"/…/"`. */
  path?: string;
  method?: string;
  /** An exact status (`503`) or a class (`"5xx"`). */
  status?: number | string;
  user?: string;
  /** Entries at or after this instant (server clock). */
  since?: string | Date;
  /** Entries that met this fault rule. */
  fault?: string;
  /** At most this many (list only). */
  limit?: number;
}

export interface JournalPage {
  /** Most recent first. */
  requests: JournalEntry[];
  /** How many matched (before `limit`). */
  total: number;
}
