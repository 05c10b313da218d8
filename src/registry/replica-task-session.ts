import { TASK_STATES, creationTime, endTime, idField, nameField, resultField, serverFields, upServerLink } from './fields.js';
import type { TypeDecl } from './types.js';

export const ReplicaTaskSession: TypeDecl = {
  name: 'ReplicaTaskSession',
  uidKind: 'ReplicaTaskSession',
  listElement: 'ReplicaTaskSessions',
  collection: 'replicaTaskSessions',
  table: 'replica_task_sessions',
  from:
    'replica_task_sessions t JOIN replica_job_sessions s ON s.id = t.session_id ' +
    'JOIN backup_servers bs ON bs.id = s.server_id',
  fields: [
    nameField,
    idField('ReplicaTaskSession'),
    { key: 'vmDisplayName', kind: 'string', column: 't.vm_display_name', filter: ['VmDisplayName'], render: { name: 'VmDisplayName', as: 'attribute' } },
    { key: 'sessionId', kind: 'uid', uidKind: 'ReplicaJobSession', column: 't.session_id', filter: ['JobSessionUid'], render: { name: 'JobSessionUid', as: 'element' } },
    creationTime(),
    endTime(),
    { key: 'state', kind: 'enum', members: TASK_STATES, column: 't.state', filter: ['State'], render: { name: 'State', as: 'element' } },
    resultField,
    { key: 'reason', kind: 'string', column: 't.reason', filter: ['Reason'], render: { name: 'Reason', as: 'element' } },
    { key: 'totalSize', kind: 'long', column: 't.total_size', filter: ['TotalSize'], render: { name: 'TotalSize', as: 'element' } },
    { key: 'sessionName', kind: 'string', column: 's.name' },
    { key: 'jobId', kind: 'uid', uidKind: 'Job', column: 's.job_id', filter: ['JobUid'] },
    { key: 'jobName', kind: 'string', column: 's.job_name', filter: ['JobName'] },
    ...serverFields('s'),
  ],
  defaultSort: ['creationTime', 'id'],
  windowField: 'creationTime',
  links: {
    entity: [
      upServerLink,
      { rel: 'Up', type: 'ReplicaJobSessionReference', href: 'replicaSessions/{sessionId}', name: 'sessionName' },
      { rel: 'Alternate', type: 'ReplicaTaskSessionReference', href: 'replicaTaskSessions/{id}', name: 'name' },
    ],
    reference: [
      upServerLink,
      { rel: 'Up', type: 'ReplicaJobSessionReference', href: 'replicaSessions/{sessionId}', name: 'sessionName' },
      { rel: 'Alternate', type: 'ReplicaTaskSession', href: 'replicaTaskSessions/{id}?format=Entity', name: 'name' },
    ],
  },
};
