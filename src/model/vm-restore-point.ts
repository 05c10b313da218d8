import { creationTime, idField, nameField, serverFields, upServerLink } from './fields.js';
import type { LinkDecl, TypeDecl } from './types.js';

/**
 * One VM's part of a restore point (EM `vmrestorepoints_id`, `get_query_vmrestorepoint`):
 * named `<VM>@<time>` like a task, up to its restore point and to the backup file holding it.
 * `Algorithm` is how the point was made, `PointType` what it is, in the members the docs list;
 * `HierarchyObjRef` is the hypervisor's id of the VM (a task's `VmUid`).
 */
export const BACKUP_ALGORITHMS = ['Full', 'Incremental', 'ReversedIncremental', 'SyntheticFull'] as const;
export const POINT_TYPES = ['Full', 'Increment', 'ReverseIncrement'] as const;

const self = 'vmRestorePoints/{id}';

const up: LinkDecl[] = [
  upServerLink,
  { rel: 'Up', type: 'RestorePointReference', href: 'restorePoints/{restorePointId}', name: 'restorePointName' },
  { rel: 'Up', type: 'BackupFileReference', href: 'backupFiles/{backupFileId}', name: 'backupFileName' },
];

export const VmRestorePoint: TypeDecl = {
  name: 'VmRestorePoint',
  uidKind: 'VmRestorePoint',
  listElement: 'VmRestorePoints',
  collection: 'vmRestorePoints',
  table: 'vm_restore_points',
  from:
    'vm_restore_points t LEFT JOIN restore_points rp ON rp.id = t.restore_point_id LEFT JOIN backup_files f ON f.id = t.backup_file_id ' +
    'LEFT JOIN backups b ON b.id = rp.backup_id LEFT JOIN backup_servers bs ON bs.id = b.server_id',
  fields: [
    nameField,
    idField('VmRestorePoint'),
    { key: 'vmDisplayName', kind: 'string', column: 'vm_display_name', filter: ['VmDisplayName'], render: { name: 'VmDisplayName', as: 'attribute' } },
    creationTime,
    { key: 'vmName', kind: 'string', column: 'vm_name', filter: ['VmName'], render: { name: 'VmName', as: 'element' } },
    { key: 'algorithm', kind: 'enum', members: BACKUP_ALGORITHMS, column: 'algorithm', filter: ['Algorithm'], render: { name: 'Algorithm', as: 'element' } },
    { key: 'pointType', kind: 'enum', members: POINT_TYPES, column: 'point_type', filter: ['PointType', 'Type'], render: { name: 'PointType', as: 'element' } },
    { key: 'hierarchyObjRef', kind: 'string', column: 'hierarchy_obj_ref', filter: ['HierarchyObjRef'], render: { name: 'HierarchyObjRef', as: 'element' } },
    { key: 'restorePointId', kind: 'uid', uidKind: 'RestorePoint', column: 'restore_point_id', filter: ['RestorePointUid', 'RestorePointId'] },
    { key: 'restorePointName', kind: 'string', joined: 'rp.name', filter: ['RestorePointName'] },
    { key: 'backupFileId', kind: 'uid', uidKind: 'BackupFile', column: 'backup_file_id', filter: ['BackupFileUid'] },
    { key: 'backupFileName', kind: 'string', joined: 'f.name' },
    { key: 'backupId', kind: 'uid', uidKind: 'Backup', joined: 'rp.backup_id', filter: ['BackupUid'] },
    { key: 'jobId', kind: 'uid', uidKind: 'Job', joined: 'b.job_id', optional: true, filter: ['JobUid'] },
    ...serverFields('b'),
  ],
  indexes: [['creationTime', 'id'], ['restorePointId'], ['backupFileId'], ['vmName'], ['vmDisplayName'], ['name']],
  // BackupTaskSession joins the point of each task by name.
  exactIndexes: [['name']],
  defaultSort: ['creationTime', 'id'],
  links: {
    entity: [...up, { rel: 'Alternate', type: 'VmRestorePointReference', href: self, name: 'name' }],
    reference: [...up, { rel: 'Alternate', type: 'VmRestorePoint', href: `${self}?format=Entity`, name: 'name' }],
  },
};
