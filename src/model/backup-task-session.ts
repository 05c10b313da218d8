import { taskSessionType } from './task-session.js';

export const BackupTaskSession = taskSessionType({
  name: 'BackupTaskSession',
  collection: 'backupTaskSessions',
  table: 'backup_task_sessions',
  sessionType: 'BackupJobSession',
  sessionTable: 'backup_job_sessions',
  sessionCollection: 'backupSessions',
  extra: [
    // The hypervisor's object id (e.g. `urn:VMware:Vm:<vCenter id>.vm-42`), not an EM GUID: kept as text.
    { key: 'vmUid', kind: 'string', column: 'vm_uid', render: { name: 'VmUid', as: 'element' } },
  ],
});
