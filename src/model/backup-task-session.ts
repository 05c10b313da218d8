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
  // The VM restore point the task made, while retention keeps it (a link whose href lacks a
  // value is left out): EM names both `<VM>@<task start>`, so the point is the one named as
  // the task. (An equi-join of the names as stored, which VmRestorePoint's exact index answers.)
  related: {
    join: 'LEFT JOIN vm_restore_points vrp ON vrp.name = t.name',
    fields: [
      { key: 'vmRestorePointId', kind: 'uid', uidKind: 'VmRestorePoint', joined: 'vrp.id', optional: true },
      { key: 'vmRestorePointName', kind: 'string', joined: 'vrp.name', optional: true },
    ],
    links: [{ rel: 'Related', type: 'VmRestorePointReference', href: 'vmRestorePoints/{vmRestorePointId}', name: 'vmRestorePointName' }],
  },
});
