import { JOB_SESSION_STATES, creationTime, endTime, idField, nameField, resultField, serverFields, upServerLink } from './fields.js';
import { AgentBackupJob } from './agent-backup-job.js';
import { NasJob } from './nas-job.js';
import type { FieldDecl, LinkDecl, TypeDecl } from './types.js';

/**
 * Members of EM's job-session base class, shared by ReplicaJobSession and BackupJobSession
 * (spec §5.1, §5.3); `IsRetry` belongs to the derived class (layer 1), so JSON lists it first.
 */
export function jobSessionFields(uidKind: string, jobTypes: readonly string[]): FieldDecl[] {
  return [
    nameField,
    idField(uidKind),
    { key: 'jobId', kind: 'uid', uidKind: 'Job', column: 'job_id', mayDangle: true, filter: ['JobUid'], render: { name: 'JobUid', as: 'element' } },
    { key: 'jobName', kind: 'string', column: 'job_name', filter: ['JobName'], render: { name: 'JobName', as: 'element' } },
    { key: 'jobType', kind: 'enum', members: jobTypes, column: 'job_type', filter: ['JobType'], render: { name: 'JobType', as: 'element' } },
    creationTime,
    endTime,
    { key: 'state', kind: 'enum', members: JOB_SESSION_STATES, column: 'state', filter: ['State'], render: { name: 'State', as: 'element' } },
    resultField,
    { key: 'progress', kind: 'int', column: 'progress', render: { name: 'Progress', as: 'element' } },
    { key: 'failureMessage', kind: 'string', column: 'failure_message', optional: true, render: { name: 'FailureMessage', as: 'element' } },
    { key: 'isRetry', kind: 'bool', column: 'is_retry', filter: ['IsRetry'], render: { name: 'IsRetry', as: 'element', layer: 1 } },
    ...serverFields(),
  ];
}

/**
 * A job-session table's indexes: one per selective filter and common sort, each ending in the
 * default order. Result and end time ride along on the creation-time index so "recent
 * failures, newest first" is answered from the index alone.
 */
export const JOB_SESSION_INDEXES: TypeDecl['indexes'] = [
  ['creationTime', 'id', 'result', 'endTime'],
  ['endTime', 'creationTime', 'id'],
  ['serverId', 'creationTime', 'id'],
  // "One server's successful (failed …) sessions, oldest first": read in order from the index
  // and stopped at the page's end, instead of sorting all of the server's sessions (the bench's
  // query a: 1.05 → 0.40 ms at 100k sessions; its count 0.60 → 0.08 ms).
  ['serverId', 'result', 'creationTime', 'id'],
  ['serverId', 'endTime'],
  ['jobId', 'creationTime', 'id'],
  ['jobName', 'creationTime', 'id'],
  ['jobName', 'endTime'],
  ['name'],
  ['state', 'creationTime', 'id'],
  ['result', 'creationTime', 'id'],
];

export const JOB_SESSION_FROM = (table: string) => `${table} t LEFT JOIN backup_servers bs ON bs.id = t.server_id`;

/**
 * Links of a job session (spec §5.1, §5.3): server and job up, the other form alternate,
 * its task list down; the entity form may add more (backup sessions' Stop).
 */
export function jobSessionLinks(
  name: string, collection: string, tasks: { path: string; type: string }, extra: TypeDecl['links']['entity'] = [], jobTypes: readonly string[] = [],
): TypeDecl['links'] {
  const self = `${collection}/{id}`;
  const up = [upServerLink, ...upJobLinks(jobTypes)];
  const down = { rel: 'Down', type: `${tasks.type}ReferenceList`, href: `${self}/${tasks.path}` };
  return {
    entity: [...up, { rel: 'Alternate', type: `${name}Reference`, href: self, name: 'name' }, down, ...extra],
    reference: [...up, { rel: 'Alternate', type: name, href: `${self}?format=Entity`, name: 'name' }, down],
  };
}

/**
 * Job types whose jobs EM keeps in collections of their own: a session of such a job links up
 * to it there (agent sessions to `agents/jobs/{id}`, as EM's get_agents_backupsessions example
 * shows). DECISION: file share sessions link to `nas/jobs/{id}` although EM's
 * get_nas_backupsessions example prints `jobs/{id}`: there the link resolves, the job is there.
 */
const JOB_HOMES: Readonly<Record<string, TypeDecl>> = { AgentBackup: AgentBackupJob, NasBackup: NasJob };

/** The session's `Up JobReference` link, to the collection its JobType's jobs are in. */
function upJobLinks(jobTypes: readonly string[]): LinkDecl[] {
  const link = (collection: string, when?: LinkDecl['when']): LinkDecl => ({ rel: 'Up', type: 'JobReference', href: `${collection}/{jobId}`, name: 'jobName', when });
  const homed = Object.entries(JOB_HOMES).flatMap(([member, home]) => (jobTypes.includes(member) ? [[jobTypes.indexOf(member), home] as const] : []));
  if (homed.length === 0) return [link('jobs')];
  const elsewhere = new Set(homed.map(([ordinal]) => ordinal));
  return [
    link('jobs', (row) => !elsewhere.has(row.jobType as number)),
    ...homed.map(([ordinal, home]) => link(home.collection, (row) => row.jobType === ordinal)),
  ];
}
