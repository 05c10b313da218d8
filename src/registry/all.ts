/** Every declaration by name, for code that needs a specific type. */
export { BackupServer } from './backup-server.js';
export { Job } from './job.js';
export { ReplicaJobSession } from './replica-job-session.js';
export { ReplicaTaskSession } from './replica-task-session.js';
