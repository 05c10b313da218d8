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
  // the task — of the task's own session's restore point where two are (the same VM in two
  // jobs started in the same second), so a task is always one row. The names are compared as
  // stored, which VmRestorePoint's exact index answers.
  related: {
    join:
      'LEFT JOIN vm_restore_points vrp ON vrp.id = (SELECT v.id FROM vm_restore_points v JOIN restore_points r ON r.id = v.restore_point_id ' +
      'WHERE v.name = t.name ORDER BY CASE WHEN r.session_id = t.session_id THEN 0 ELSE 1 END, v.id LIMIT 1)',
    fields: [
      { key: 'vmRestorePointId', kind: 'uid', uidKind: 'VmRestorePoint', joined: 'vrp.id', optional: true },
      { key: 'vmRestorePointName', kind: 'string', joined: 'vrp.name', optional: true },
    ],
    links: [{ rel: 'Related', type: 'VmRestorePointReference', href: 'vmRestorePoints/{vmRestorePointId}', name: 'vmRestorePointName' }],
  },
});
