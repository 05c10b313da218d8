import type { Store } from '../store/store.js';
import { all, countOf, either, within, type Window } from './figures.js';
import { RUN_SIDES, type RunSide } from './job-figures.js';
import { lastDays } from './period.js';

/** One `Day` of `GET /reports/summary/processed_vms`: its UTC midnight and the VMs processed that day. */
export interface ProcessedDay {
  /** Epoch ms of the day's start. */
  readonly timestamp: number;
  readonly backupedVms: number;
  readonly replicatedVms: number;
}

/**
 * A VM processed in a window: a task session of it that ended then and did its work, with or
 * without warnings (a failed task processed nothing). Each task counts, so a VM backed up twice
 * a day counts twice, as EM's captured figures (more processed VMs a day than protected VMs) show.
 */
const processedWithin = (w: Window) => all(within('EndTime', w), either('Result==Success', 'Result==Warning'));

/** The last `days` days, newest first, today's so far included. */
export async function processedVms(store: Store, now: number, days: number): Promise<ProcessedDay[]> {
  const out: ProcessedDay[] = [];
  for (const day of lastDays(now, days)) {
    const processed = (side: RunSide) => countOf(store, { type: side.tasks, filter: processedWithin(day.window) });
    out.push({ timestamp: day.start, backupedVms: await processed(RUN_SIDES[0]), replicatedVms: await processed(RUN_SIDES[1]) });
  }
  return out;
}
