import { link } from '../represent/links.js';
import { inlineList, list, node, type Document, type Node, type Prop, type Scalar } from '../represent/model.js';
import { formatDateTime, fromEpochMs } from '../util/datetime.js';
import type { JobStatistics } from './job-statistics.js';
import type { Overview } from './overview.js';
import type { ProcessedDay } from './processed-vms.js';
import type { RepositorySpace } from './repository-report.js';
import type { VmsOverview } from './vms-overview.js';

/**
 * The report documents (docs/em-surface/reports.md). A report frame's members are elements in
 * schema order and JSON has them in the same order; like the documented examples and the
 * captured answers, frames carry no Links, Href or Type.
 */

/** The child reports `/reports/summary` links to: path and the link's Name (the Zabbix template keys its data by it). */
export const REPORTS = [
  { path: 'overview', name: 'Overview' },
  { path: 'vms_overview', name: 'VmsOverview' },
  { path: 'job_statistics', name: 'JobStatistics' },
  { path: 'processed_vms', name: 'ProcessedVms' },
  { path: 'repository', name: 'Repositories' },
] as const;

/**
 * EM's own web reports a frame points to (relative to its web UI): the same report definitions
 * in every documented example and captured answer.
 */
const VIEW_REPORT = (definition: string) => `Workspace/ViewReport.aspx?definition=${definition}&ShowParams=1`;
const BACKUP_JOB_STATUS_REPORT = VIEW_REPORT('7962844d-db6c-4d29-8b6e-4e0f7db0785f');
const PROTECTED_VMS_REPORT = VIEW_REPORT('8a56d84f-1790-4f54-ab20-2e0bfdefa16b');
const CAPACITY_PLANNING_REPORT = VIEW_REPORT('62221565-102c-4ec8-851b-d61c03d972d1');

const elements = (members: readonly (readonly [string, Scalar])[]): Prop[] => members.map(([name, value], x) => ({ name, value, x }));
const frame = (tag: string, members: readonly (readonly [string, Scalar])[]): Node => node(tag, elements(members));

/** `GET /reports/summary`: one `Down` link of Type `ReportFrame` per report. */
export function summaryReport(base: string): Document {
  const links = REPORTS.map((r) => link('Down', `${base}/reports/summary/${r.path}`, 'ReportFrame', r.name));
  return node('SummaryReport', [{ name: 'Links', value: list(links), x: 0 }]);
}

export function overviewFrame(o: Overview): Document {
  return frame('OverviewReportFrame', [
    ['BackupServers', o.backupServers],
    ['ProxyServers', o.proxyServers],
    ['RepositoryServers', o.repositoryServers],
    ['RunningJobs', o.runningJobs],
    ['ScheduledJobs', o.scheduledJobs],
    ['SuccessfulVmLastestStates', o.successfulVmLastestStates],
    ['WarningVmLastestStates', o.warningVmLastestStates],
    ['FailedVmLastestStates', o.failedVmLastestStates],
  ]);
}

export function vmsOverviewFrame(v: VmsOverview): Document {
  return frame('VmsOverviewReportFrame', [
    ['ProtectedVms', v.protectedVms],
    ['BackedUpVms', v.backedUpVms],
    ['ReplicatedVms', v.replicatedVms],
    ['RestorePoints', v.restorePoints],
    ['FullBackupPointsSize', v.fullBackupPointsSize],
    ['IncrementalBackupPointsSize', v.incrementalBackupPointsSize],
    ['ReplicaRestorePointsSize', v.replicaRestorePointsSize],
    ['SourceVmsSize', v.sourceVmsSize],
    ['SuccessBackupPercents', v.successBackupPercents],
    ['ProtectedVmsReportLink', PROTECTED_VMS_REPORT],
  ]);
}

export function jobStatisticsFrame(j: JobStatistics): Document {
  return frame('JobStatisticsReportFrame', [
    ['RunningJobs', j.runningJobs],
    ['ScheduledJobs', j.scheduledJobs],
    ['ScheduledBackupJobs', j.scheduledBackupJobs],
    ['ScheduledReplicaJobs', j.scheduledReplicaJobs],
    ['TotalJobRuns', j.totalJobRuns],
    ['SuccessfulJobRuns', j.successfulJobRuns],
    ['WarningsJobRuns', j.warningsJobRuns],
    ['FailedJobRuns', j.failedJobRuns],
    ['MaxJobDuration', j.maxJobDuration],
    ['MaxBackupJobDuration', j.maxBackupJobDuration],
    ['MaxReplicaJobDuration', j.maxReplicaJobDuration],
    ['MaxDurationBackupJobName', j.maxDurationBackupJobName],
    ['MaxDurationReplicaJobName', j.maxDurationReplicaJobName],
    ['BackupJobStatusReportLink', BACKUP_JOB_STATUS_REPORT],
  ]);
}

/** `<Day Timestamp=… ReplicatedVms=… BackupedVms=… />`s straight under the root; JSON `{"Days":[…]}`. */
export function processedVmsFrame(days: readonly ProcessedDay[]): Document {
  const items = days.map((d) =>
    node('Day', [
      { name: 'Timestamp', value: formatDateTime(fromEpochMs(d.timestamp)), attr: true, x: 0 },
      { name: 'ReplicatedVms', value: d.replicatedVms, attr: true, x: 1 },
      { name: 'BackupedVms', value: d.backupedVms, attr: true, x: 2 },
    ]),
  );
  return node('ProcessedVmsReportFrame', [{ name: 'Days', value: inlineList(items), x: 0 }]);
}

/** `<Period>`s straight under the root, the capacity-planning link an attribute; JSON `{"Periods":[…],"CapacityPlanningReportLink":…}`. */
export function repositoryFrame(repositories: readonly RepositorySpace[]): Document {
  const items = repositories.map((r) =>
    frame('Period', [
      ['Name', r.name],
      ['Capacity', r.capacity],
      ['FreeSpace', r.freeSpace],
      ['BackupSize', r.backupSize],
    ]),
  );
  return node('RepositoryReportFrame', [
    { name: 'Periods', value: inlineList(items), x: 0 },
    { name: 'CapacityPlanningReportLink', value: CAPACITY_PLANNING_REPORT, attr: true, x: 0 },
  ]);
}
