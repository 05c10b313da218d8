import { JOB_SESSION_STATES, RESULT_MEMBERS, TASK_STATES } from '../../src/model/fields.js';
import { JOB_TYPES, PLATFORMS } from '../../src/model/job.js';
import { BACKUP_SESSION_JOB_TYPES } from '../../src/model/backup-job-session.js';
import { BackupJobSession, BackupServer, BackupTaskSession, Job, ReplicaJobSession, ReplicaTaskSession } from '../../src/model/all.js';
import type { Row } from '../../src/model/index.js';
import type { Store } from '../../src/store/store.js';
import { writeAgentsNas } from './agents-nas-fixture.js';
import { writeStorage } from './storage-fixture.js';
import { parseDateTime } from '../../src/util/datetime.js';
import { sessionName, type BackupTaskSessionRow, type JobRow, type JobSessionRow, type ServerRow, type TaskSessionRow } from '../../src/model/rows.js';

/** The conformance fixture of spec §7 (clock 2021-06-18T00:00:00Z). */
export const FIXTURE_NOW = '2021-06-18T00:00:00Z';

const dt = (s: string) => parseDateTime(s)!;
const state = (s: (typeof JOB_SESSION_STATES)[number]) => JOB_SESSION_STATES.indexOf(s);
const result = (r: (typeof RESULT_MEMBERS)[number]) => RESULT_MEMBERS.indexOf(r);

export const BS1 = '7445e6ce-86f5-4171-b909-dac209c66563';
export const BS2 = 'a0c8ea55-8bd4-49fe-9095-927d7bddddc3';
export const J1 = '1aa9734e-60e1-4fb6-87df-bbaa9bf38de8';
export const J2 = '5e0c7d1a-3f2b-4c8d-9a6e-7b1f0c2d3e4a';
export const J3 = '0a6262a1-8add-49c5-85ea-0b1ba9361a3b';
/** Beyond spec §7: a backup copy job and backup sessions, for the backup-side types. */
export const J4 = 'f3b2c1d0-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
export const S1 = '1bffbda3-39a8-41eb-b9a0-200b98f3c5e9';
export const S2 = '6d2f1c0e-7a3b-4e59-8c41-2b9e5f7a0d13';
export const S3 = '9e4b7a21-5c3d-4f8e-b6a0-71d2c3e4f5a6';
export const S4 = 'c3a8e5f1-2d4b-4a6c-9e7f-8b1d0a2c3e4f';
export const T1 = 'c20dae03-4f75-4191-ae81-862f4b7988ca';

export const servers: ServerRow[] = [
  { id: BS1, name: 'enterprise06.tech.local', description: '', port: 9392, version: '13.0.1.1071' },
  { id: BS2, name: 'enterprisevbr01.tech.local', description: 'Branch office', port: 9392, version: '12.3.1.1139' },
];

const job = (id: string, serverId: string, name: string, type: (typeof JOB_TYPES)[number], platform: (typeof PLATFORMS)[number]): JobRow => ({
  id, serverId, name, jobType: JOB_TYPES.indexOf(type), platform: PLATFORMS.indexOf(platform), description: '',
  scheduleConfigured: 1, scheduleEnabled: 1, nextRun: null,
});

export const jobs: JobRow[] = [
  job(J1, BS1, 'Replication Job 1', 'Replica', 'VMware'),
  job(J2, BS2, 'Replication Job 2', 'Replica', 'HyperV'),
  job(J3, BS1, 'Backup Job 1', 'Backup', 'VMware'),
  job(J4, BS2, 'Backup Copy Job 1', 'BackupCopy', 'HyperV'),
];

const session = (
  id: string, jobId: string, serverId: string, jobName: string, start: string, end: string | null,
  s: (typeof JOB_SESSION_STATES)[number], r: (typeof RESULT_MEMBERS)[number], progress: number,
  isRetry: boolean, failureMessage: string | null, jobType = 0,
): JobSessionRow => ({
  id, serverId, jobId, jobName, jobType, name: sessionName(jobName, dt(start)),
  creationTime: dt(start), endTime: end === null ? null : dt(end), state: state(s), result: result(r),
  progress, failureMessage, isRetry: isRetry ? 1 : 0,
});

export const replicaSessions: JobSessionRow[] = [
  session(S1, J1, BS1, 'Replication Job 1', '2021-06-15T22:06:57.263Z', '2021-06-15T22:11:06.11Z', 'Stopped', 'Success', 100, false, null),
  session(S2, J1, BS1, 'Replication Job 1', '2021-06-16T22:00:12.5Z', '2021-06-16T22:03:40Z', 'Stopped', 'Failed', 100, false, 'Error: Failed to open VDDK disk'),
  session(S3, J1, BS1, 'Replication Job 1', '2021-06-16T22:10:00Z', '2021-06-16T22:14:30.2Z', 'Stopped', 'Warning', 100, true, null),
  session(S4, J2, BS2, 'Replication Job 2', '2021-06-17T08:00:00Z', null, 'Working', 'None', 42, false, null),
];

export const replicaTasks: TaskSessionRow[] = [
  {
    id: T1, sessionId: S1, name: 'ubuntu88@2021-06-15 22:07:12', vmDisplayName: 'ubuntu88',
    creationTime: dt('2021-06-15T22:07:12.19Z'), endTime: dt('2021-06-15T22:11:01.73Z'),
    state: TASK_STATES.indexOf('Completed'), result: result('Success'), reason: '', totalSize: 17179869184,
  },
];

export const B0 = '2b7e1f0a-4c3d-4e5f-8a9b-0c1d2e3f4a5b';
export const B1 = '8c9d0e1f-2a3b-4c5d-9e6f-7a8b9c0d1e2f';
export const B2 = '4d5e6f70-8192-4a3b-8c4d-5e6f70819203';
export const B3 = 'e1f2a3b4-c5d6-4e7f-a8b9-c0d1e2f3a4b5';
export const B4 = '70819203-a4b5-4c6d-9e7f-8091a2b3c4d5';
export const BT1 = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
export const BT2 = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';

const BACKUP = BACKUP_SESSION_JOB_TYPES.indexOf('Backup');
const BACKUP_COPY = BACKUP_SESSION_JOB_TYPES.indexOf('BackupCopy');

export const backupSessions: JobSessionRow[] = [
  session(B0, J3, BS1, 'Backup Job 1', '2021-05-01T20:00:00Z', '2021-05-01T20:09:12Z', 'Stopped', 'Success', 100, false, null, BACKUP),
  session(B1, J3, BS1, 'Backup Job 1', '2021-06-16T20:00:00.1234567Z', '2021-06-16T20:12:30.5Z', 'Stopped', 'Success', 100, false, null, BACKUP),
  session(B2, J3, BS1, 'Backup Job 1', '2021-06-17T20:00:00Z', '2021-06-17T20:05:00Z', 'Stopped', 'Failed', 100, false, 'Error: Cannot connect to host esx01.tech.local', BACKUP),
  session(B3, J3, BS1, 'Backup Job 1', '2021-06-17T20:20:00Z', '2021-06-17T20:31:00Z', 'Stopped', 'Warning', 100, true, '', BACKUP),
  session(B4, J4, BS2, 'Backup Copy Job 1', '2021-06-17T22:00:00Z', null, 'Working', 'None', 63, false, null, BACKUP_COPY),
];

export const backupTasks: BackupTaskSessionRow[] = [
  {
    id: BT1, sessionId: B1, name: 'dc01@2021-06-16 20:00:31', vmDisplayName: 'dc01',
    creationTime: dt('2021-06-16T20:00:31.77Z'), endTime: dt('2021-06-16T20:12:20Z'),
    state: TASK_STATES.indexOf('Completed'), result: result('Success'), reason: '', totalSize: 53687091200,
    vmUid: 'urn:VMware:Vm:7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.vm-21',
  },
  {
    id: BT2, sessionId: B2, name: 'dc01@2021-06-17 20:00:40', vmDisplayName: 'dc01',
    creationTime: dt('2021-06-17T20:00:40Z'), endTime: dt('2021-06-17T20:04:55Z'),
    state: TASK_STATES.indexOf('Completed'), result: result('Failed'), reason: 'Cannot connect to host esx01.tech.local', totalSize: 53687091200,
    vmUid: 'urn:VMware:Vm:7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.vm-21',
  },
];

export const FIXTURE_USERS = [
  { name: 'TECH\\admin', password: 'Passw0rd', role: 'PortalAdministrator' },
  { name: 'tech\\viewer', password: 'Passw0rd', role: 'PortalUser' },
  { name: 'tech\\nobody', password: 'Passw0rd', role: 'None' },
] as const;

/** Loads the fixture's resources (not its users) into a store. */
export async function loadFixture(store: Store): Promise<void> {
  const rows = (list: object[]) => list as unknown as Row[];
  await store.write(async (w) => {
    await w.upsert(BackupServer, rows(servers));
    await w.upsert(Job, rows(jobs));
    await w.upsert(ReplicaJobSession, rows(replicaSessions));
    await w.upsert(ReplicaTaskSession, rows(replicaTasks));
    await w.upsert(BackupJobSession, rows(backupSessions));
    await w.upsert(BackupTaskSession, rows(backupTasks));
    await writeAgentsNas(w);
    await writeStorage(w);
  });
}
