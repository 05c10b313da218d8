import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  jobStatisticsFrame, overviewFrame, processedVmsFrame, REPORTS, repositoryFrame, summaryReport, vmsOverviewFrame,
} from '../../reports/frames.js';
import { jobStatistics } from '../../reports/job-statistics.js';
import { overview } from '../../reports/overview.js';
import { BadPeriod, DAY_MS, lastPeriod, parsePeriod, PROCESSED_DAYS, RUNS_PERIOD_MS } from '../../reports/period.js';
import { processedVms } from '../../reports/processed-vms.js';
import { repositorySpace } from '../../reports/repository-report.js';
import { vmLatestStates } from '../../reports/vm-states.js';
import { vmsOverview } from '../../reports/vms-overview.js';
import type { Document } from '../../represent/model.js';
import type { AppContext } from '../context.js';
import { errors } from '../errors.js';
import { param } from '../query-string.js';
import { resource } from '../route.js';
import { sendDocument } from '../send.js';

type Report = (typeof REPORTS)[number]['path'];

/** The `period` parameter (an emrest extension, see reports/period.ts); a bad one is a 400. */
function periodOf(req: FastifyRequest, fallback: number, wholeDays = false): number {
  try {
    return parsePeriod(param(req.em.params, 'period'), fallback, wholeDays);
  } catch (e) {
    if (e instanceof BadPeriod) throw errors.badQuery(e.message);
    throw e;
  }
}

/**
 * `GET /api/reports/summary` and its five reports (docs/em-surface/reports.md), computed from
 * the store as the clock stands at the request; open to every role, like the reports of EM.
 */
export function reportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { store } = ctx;
  const compute: Record<Report, (req: FastifyRequest, now: number) => Promise<Document>> = {
    overview: async (_req, now) => overviewFrame(await overview(store, now)),
    vms_overview: async (_req, now) => vmsOverviewFrame(await vmsOverview(store, await vmLatestStates(store, now))),
    job_statistics: async (req, now) => jobStatisticsFrame(await jobStatistics(store, lastPeriod(now, periodOf(req, RUNS_PERIOD_MS)))),
    processed_vms: async (req, now) => processedVmsFrame(await processedVms(store, now, periodOf(req, PROCESSED_DAYS * DAY_MS, true) / DAY_MS)),
    repository: async () => repositoryFrame(await repositorySpace(store)),
  };

  resource(app, '/api/reports/summary', {
    GET: async (req, reply) => sendDocument(reply, 200, summaryReport(req.em.base), req.em.rendering),
  });
  for (const { path } of REPORTS) {
    resource(app, `/api/reports/summary/${path}`, {
      GET: async (req, reply) => sendDocument(reply, 200, await compute[path](req, ctx.clock.now()), req.em.rendering),
    });
  }
}
