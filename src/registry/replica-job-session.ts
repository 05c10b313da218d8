import { upServerLink } from './fields.js';
import { JOB_SESSION_FROM, jobSessionFields } from './job-session.js';
import type { TypeDecl } from './types.js';

export const ReplicaJobSession: TypeDecl = {
  name: 'ReplicaJobSession',
  uidKind: 'ReplicaJobSession',
  listElement: 'ReplicaJobSessions',
  collection: 'replicaSessions',
  table: 'replica_job_sessions',
  from: JOB_SESSION_FROM('replica_job_sessions'),
  fields: jobSessionFields('ReplicaJobSession', ['Replica']),
  defaultSort: ['creationTime', 'id'],
  windowField: 'creationTime',
  links: {
    entity: [
      upServerLink,
      { rel: 'Up', type: 'JobReference', href: 'jobs/{jobId}', name: 'jobName' },
      { rel: 'Alternate', type: 'ReplicaJobSessionReference', href: 'replicaSessions/{id}', name: 'name' },
      { rel: 'Down', type: 'ReplicaTaskSessionReferenceList', href: 'replicaSessions/{id}/replicaTaskSessions' },
    ],
    reference: [
      upServerLink,
      { rel: 'Up', type: 'JobReference', href: 'jobs/{jobId}', name: 'jobName' },
      { rel: 'Alternate', type: 'ReplicaJobSession', href: 'replicaSessions/{id}?format=Entity', name: 'name' },
      { rel: 'Down', type: 'ReplicaTaskSessionReferenceList', href: 'replicaSessions/{id}/replicaTaskSessions' },
    ],
  },
  children: [{ path: 'replicaTaskSessions', type: 'ReplicaTaskSession', parentKey: 'sessionId' }],
};
