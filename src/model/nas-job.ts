import { idField, nameField, serverFields } from './fields.js';
import { describedJobFields, JOB_INDEXES, jobEntityHead, jobReferenceLinks, sessionsChild, sessionsDown } from './job-parts.js';
import type { TypeDecl, ViewDecl } from './types.js';

const self = 'nas/jobs/{id}';

/**
 * A file share backup job (EM docs: nas_jobs_id, get_query_nasjob). EM names the element
 * `NASJob` (list `NASJobs`) while its Type is `NasJob`, and its actions are paths
 * (`…/start`), not `?action=`, as the docs print them. Its sessions are BackupJobSessions with
 * JobType NasBackup.
 */
export const NasJob: TypeDecl = {
  name: 'NasJob',
  element: 'NASJob',
  uidKind: 'NasJob',
  listElement: 'NASJobs',
  collection: 'nas/jobs',
  table: 'nas_jobs',
  from: 'nas_jobs t LEFT JOIN backup_servers bs ON bs.id = t.server_id',
  adminOnly: true,
  fromLink: {},
  fields: [nameField, idField('NasJob'), ...describedJobFields(['NextRun']), ...serverFields()],
  indexes: JOB_INDEXES,
  defaultSort: ['name', 'id'],
  links: {
    entity: [
      ...jobEntityHead(self),
      { rel: 'Down', type: 'NasObjectList', href: `${self}/includes` },
      { rel: 'ToggleScheduleEnabled', href: `${self}/toggleScheduleEnabled` },
      sessionsDown(self),
      { rel: 'Start', href: `${self}/start` },
      { rel: 'Stop', href: `${self}/stop` },
      { rel: 'Retry', href: `${self}/retry` },
    ],
    reference: jobReferenceLinks(self),
  },
  children: sessionsChild,
};

/** `/nas/backupSessions`: the BackupJobSessions of file share backup jobs (EM docs: get_nas_backupsessions). */
export const NAS_BACKUP_SESSIONS: ViewDecl = { path: 'nas/backupSessions', type: 'BackupJobSession', where: { jobType: 'NasBackup' } };
