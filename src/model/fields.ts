import type { FieldDecl } from './types.js';

/** Field builders for members shared by many types, so their names are spelled once. */

export const idField = (uidKind: string): FieldDecl => ({
  key: 'id',
  kind: 'uid',
  uidKind,
  column: 'id',
  filter: ['UID'],
  render: { name: 'UID', as: 'attribute', layer: -1 },
});

export const nameField: FieldDecl = {
  key: 'name',
  kind: 'string',
  column: 'name',
  filter: ['Name'],
  render: { name: 'Name', as: 'attribute', layer: -1 },
};

export const RESULT_MEMBERS = ['None', 'Success', 'Warning', 'Failed'] as const;
export const JOB_SESSION_STATES = ['Starting', 'Stopping', 'Working', 'Pausing', 'Resuming', 'Stopped'] as const;
export const TASK_STATES = ['InProgress', 'Pending', 'Completed'] as const;

export const creationTime: FieldDecl = {
  key: 'creationTime',
  kind: 'datetime',
  column: 'creation_time',
  filter: ['CreationTime', 'CreationTimeUTC'],
  render: { name: 'CreationTimeUTC', as: 'element' },
};

export const endTime: FieldDecl = {
  key: 'endTime',
  kind: 'datetime',
  column: 'end_time',
  optional: true,
  filter: ['EndTime', 'EndTimeUTC'],
  render: { name: 'EndTimeUTC', as: 'element' },
};

export const resultField: FieldDecl = {
  key: 'result',
  kind: 'enum',
  column: 'result',
  members: RESULT_MEMBERS,
  filter: ['Result'],
  render: { name: 'Result', as: 'element' },
};

/**
 * The `Up BackupServerReference` link's target, filterable as BackupServerUid/BackupServerName:
 * the server id is stored in the type's own table, or (`parent` = its alias) read from the
 * parent row that stores it.
 */
export const serverFields = (parent?: string): FieldDecl[] => [
  {
    key: 'serverId', kind: 'uid', uidKind: 'BackupServer', filter: ['BackupServerUid'],
    ...(parent === undefined ? { column: 'server_id' } : { joined: `${parent}.server_id` }),
  },
  { key: 'serverName', kind: 'string', joined: 'bs.name', filter: ['BackupServerName'] },
];

export const upServerLink = {
  rel: 'Up',
  type: 'BackupServerReference',
  href: 'backupServers/{serverId}',
  name: 'serverName',
} as const;
