import { JOB_SESSION_FROM, JOB_SESSION_INDEXES, jobSessionFields, jobSessionLinks } from './job-session.js';
import type { TypeDecl } from './types.js';

export const ReplicaJobSession: TypeDecl = {
  name: 'ReplicaJobSession',
  uidKind: 'ReplicaJobSession',
  listElement: 'ReplicaJobSessions',
  collection: 'replicaSessions',
  table: 'replica_job_sessions',
  from: JOB_SESSION_FROM('replica_job_sessions'),
  fields: jobSessionFields('ReplicaJobSession', ['Replica']),
  indexes: JOB_SESSION_INDEXES,
  defaultSort: ['creationTime', 'id'],
  windowField: 'creationTime',
  links: jobSessionLinks('ReplicaJobSession', 'replicaSessions', { path: 'replicaTaskSessions', type: 'ReplicaTaskSession' }),
  children: [{ path: 'replicaTaskSessions', type: 'ReplicaTaskSession', parentKey: 'sessionId' }],
};
