/** Every declaration by name, for code that needs a specific type. */
export { BackupJobSession } from './backup-job-session.js';
export { BackupServer } from './backup-server.js';
export { BackupTaskSession } from './backup-task-session.js';
export { Job } from './job.js';
export { ReplicaJobSession } from './replica-job-session.js';
export { ReplicaTaskSession } from './replica-task-session.js';
