import { TASK_STATES, creationTime, endTime, idField, nameField, resultField, serverFields, upServerLink } from './fields.js';
import type { FieldDecl, LinkDecl, TypeDecl } from './types.js';

/**
 * A task-session type (spec §5.2, §5.4): one VM's part of a job session. Replica and backup
 * task sessions differ only in names, tables and BackupTaskSession's extra `VmUid` element.
 */
export function taskSessionType(o: {
  name: string;
  collection: string;
  table: string;
  sessionType: string;
  sessionTable: string;
  sessionCollection: string;
  extra?: FieldDecl[];
  /** Entity links after `Alternate` (a backup task's VM restore point), with the fields they read. */
  related?: { readonly join: string; readonly fields: FieldDecl[]; readonly links: LinkDecl[] };
}): TypeDecl {
  const self = `${o.collection}/{id}`;
  const up: LinkDecl[] = [
    upServerLink,
    { rel: 'Up', type: `${o.sessionType}Reference`, href: `${o.sessionCollection}/{sessionId}`, name: 'sessionName' },
  ];
  return {
    name: o.name,
    uidKind: o.name,
    listElement: `${o.name}s`,
    collection: o.collection,
    table: o.table,
    from: `${o.table} t LEFT JOIN ${o.sessionTable} s ON s.id = t.session_id LEFT JOIN backup_servers bs ON bs.id = s.server_id${o.related ? ' ' + o.related.join : ''}`,
    fields: [
      nameField,
      idField(o.name),
      { key: 'vmDisplayName', kind: 'string', column: 'vm_display_name', filter: ['VmDisplayName'], render: { name: 'VmDisplayName', as: 'attribute' } },
      { key: 'sessionId', kind: 'uid', uidKind: o.sessionType, column: 'session_id', filter: ['JobSessionUid'], render: { name: 'JobSessionUid', as: 'element' } },
      creationTime,
      endTime,
      { key: 'state', kind: 'enum', members: TASK_STATES, column: 'state', filter: ['State'], render: { name: 'State', as: 'element' } },
      resultField,
      { key: 'reason', kind: 'string', column: 'reason', filter: ['Reason'], render: { name: 'Reason', as: 'element' } },
      { key: 'totalSize', kind: 'long', column: 'total_size', filter: ['TotalSize'], render: { name: 'TotalSize', as: 'element' } },
      ...(o.extra ?? []),
      ...(o.related?.fields ?? []),
      { key: 'sessionName', kind: 'string', joined: 's.name' },
      { key: 'jobId', kind: 'uid', uidKind: 'Job', joined: 's.job_id', filter: ['JobUid'] },
      { key: 'jobName', kind: 'string', joined: 's.job_name', filter: ['JobName'] },
      ...serverFields('s'),
    ],
    // Four to five times as many rows as sessions, so fewer and narrower indexes: state and
    // result ride on the creation-time index, which the 30-day window and the default sort use
    // anyway; a session's few tasks are sorted when read; size filters and sorts scan.
    indexes: [['sessionId'], ['creationTime', 'id', 'result', 'state'], ['endTime'], ['name'], ['vmDisplayName'], ['reason']],
    defaultSort: ['creationTime', 'id'],
    windowField: 'creationTime',
    links: {
      entity: [...up, { rel: 'Alternate', type: `${o.name}Reference`, href: self, name: 'name' }, ...(o.related?.links ?? [])],
      reference: [...up, { rel: 'Alternate', type: o.name, href: `${self}?format=Entity`, name: 'name' }],
    },
  };
}
