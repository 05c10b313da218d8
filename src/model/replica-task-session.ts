import { taskSessionType } from './task-session.js';

export const ReplicaTaskSession = taskSessionType({
  name: 'ReplicaTaskSession',
  collection: 'replicaTaskSessions',
  table: 'replica_task_sessions',
  sessionType: 'ReplicaJobSession',
  sessionTable: 'replica_job_sessions',
  sessionCollection: 'replicaSessions',
});
