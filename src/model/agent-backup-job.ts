import { idField, nameField, serverFields } from './fields.js';
import { describedJobFields, JOB_INDEXES, jobEntityHead, jobReferenceLinks, sessionsChild, sessionsDown } from './job-parts.js';
import type { TypeDecl, ViewDecl } from './types.js';

export const AGENT_JOB_TYPES = ['AgentBackup'] as const;
export const AGENT_PLATFORMS = ['AgentForLinux', 'AgentForWindows'] as const;

const self = 'agents/jobs/{id}';

/**
 * A Veeam Agent backup job managed by a backup server (EM docs: agents_jobs_id,
 * get_query_agentbackupjob). UIDs are `urn:veeam:AgentBackupJob:…` as the entity and
 * reference examples show (the query page's prose says `Job`). Its sessions are
 * BackupJobSessions with JobType AgentBackup. NextRun is rendered (as in the entity example)
 * but not among the query page's filter names.
 */
export const AgentBackupJob: TypeDecl = {
  name: 'AgentBackupJob',
  uidKind: 'AgentBackupJob',
  listElement: 'AgentBackupJobs',
  collection: 'agents/jobs',
  table: 'agent_backup_jobs',
  from: 'agent_backup_jobs t LEFT JOIN backup_servers bs ON bs.id = t.server_id',
  // Jobs are for Portal Administrators, as `/jobs` is.
  adminOnly: true,
  fromLink: {},
  fields: [
    nameField,
    idField('AgentBackupJob'),
    { key: 'jobType', kind: 'enum', members: AGENT_JOB_TYPES, column: 'job_type', filter: ['JobType'], render: { name: 'JobType', as: 'element' } },
    { key: 'platform', kind: 'enum', members: AGENT_PLATFORMS, column: 'platform', filter: ['Platform'], render: { name: 'Platform', as: 'element' } },
    ...describedJobFields([]),
    ...serverFields(),
  ],
  indexes: [...JOB_INDEXES!, ['platform']],
  defaultSort: ['name', 'id'],
  links: {
    entity: [
      ...jobEntityHead(self),
      { rel: 'Down', type: 'ObjectInJobList', href: `${self}/includes` },
      { rel: 'ToggleScheduleEnabled', href: `${self}?action=toggleScheduleEnabled` },
      sessionsDown(self),
      { rel: 'Start', href: `${self}?action=start` },
      { rel: 'Stop', href: `${self}?action=stop` },
      { rel: 'Retry', href: `${self}?action=retry` },
    ],
    reference: jobReferenceLinks(self),
  },
  children: sessionsChild,
};

/** `/agents/backupSessions`: the BackupJobSessions of agent backup jobs (EM docs: get_agents_backupsessions). */
export const AGENT_BACKUP_SESSIONS: ViewDecl = { path: 'agents/backupSessions', type: 'BackupJobSession', where: { jobType: 'AgentBackup' } };
