import type { FieldDecl } from './types.js';

/** Field builders for members shared by many types, so their names are spelled once. */

export const idField = (uidKind: string): FieldDecl => ({
  key: 'id',
  kind: 'uid',
  uidKind,
  column: 't.id',
  filter: ['UID'],
  render: { name: 'UID', as: 'attribute', layer: -1 },
});

export const nameField: FieldDecl = {
  key: 'name',
  kind: 'string',
  column: 't.name',
  filter: ['Name'],
  render: { name: 'Name', as: 'attribute', layer: -1 },
};

export const RESULT_MEMBERS = ['None', 'Success', 'Warning', 'Failed'] as const;
export const JOB_SESSION_STATES = ['Starting', 'Stopping', 'Working', 'Pausing', 'Resuming', 'Stopped'] as const;
export const TASK_STATES = ['InProgress', 'Pending', 'Completed'] as const;

export const creationTime = (column = 't.creation_time'): FieldDecl => ({
  key: 'creationTime',
  kind: 'datetime',
  column,
  filter: ['CreationTime', 'CreationTimeUTC'],
  render: { name: 'CreationTimeUTC', as: 'element' },
});

export const endTime = (column = 't.end_time'): FieldDecl => ({
  key: 'endTime',
  kind: 'datetime',
  column,
  optional: true,
  filter: ['EndTime', 'EndTimeUTC'],
  render: { name: 'EndTimeUTC', as: 'element' },
});

export const resultField: FieldDecl = {
  key: 'result',
  kind: 'enum',
  column: 't.result',
  members: RESULT_MEMBERS,
  filter: ['Result'],
  render: { name: 'Result', as: 'element' },
};

/**
 * The `Up BackupServerReference` link's target, filterable as BackupServerUid/BackupServerName.
 * `owner` is the alias of the table holding `server_id` (the type's own table, or its parent's).
 */
export const serverFields = (owner = 't'): FieldDecl[] => [
  { key: 'serverId', kind: 'uid', uidKind: 'BackupServer', column: `${owner}.server_id`, filter: ['BackupServerUid'] },
  { key: 'serverName', kind: 'string', column: 'bs.name', filter: ['BackupServerName'] },
];

export const upServerLink = {
  rel: 'Up',
  type: 'BackupServerReference',
  href: 'backupServers/{serverId}',
  name: 'serverName',
} as const;
