/** Every declaration by name, for code that needs a specific type. */
export { AgentBackupJob } from './agent-backup-job.js';
export { AgentProtectionGroup } from './agent-protection-group.js';
export { DiscoveredComputer } from './discovered-computer.js';
export { NasJob } from './nas-job.js';
export { BackupJobSession } from './backup-job-session.js';
export { BackupServer } from './backup-server.js';
export { BackupTaskSession } from './backup-task-session.js';
export { Job } from './job.js';
export { ReplicaJobSession } from './replica-job-session.js';
export { ReplicaTaskSession } from './replica-task-session.js';
export { Backup } from './backup.js';
export { BackupFile } from './backup-file.js';
export { Repository } from './repository.js';
export { RestorePoint } from './restore-point.js';
export { VmRestorePoint } from './vm-restore-point.js';
