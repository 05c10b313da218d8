/**
 * The live estate on its worker thread (`EstateThread`), over a real SQLite file: what the
 * thread runs and writes is what the serving thread's own connection reads next, calls answer
 * as the in-thread estate does, and a store without an estate starts no thread.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DemoOptions } from '../src/demo/demo.js';
import { generateDemo } from '../src/demo/demo.js';
import { Clock } from '../src/clock/clock.js';
import { EstateLeader } from '../src/estate/leader.js';
import { EstateThread } from '../src/estate/thread.js';
import { Simulation } from '../src/estate/simulation.js';
import { ReplicaJobSession } from '../src/model/all.js';
import { tablesRead } from '../src/store/schema.js';
import { stampOf, StoreBusyError } from '../src/store/store.js';
import { allRows } from './support/plans.js';
import { openTestStore } from './support/store.js';

const root = mkdtempSync(join(tmpdir(), 'emrest-estate-thread-'));
after(() => rmSync(root, { recursive: true, force: true }));

const SEEDED = Date.parse('2026-11-02T06:00:00Z');
const HOUR = 3_600_000;
const DEMO: DemoOptions = { seed: 11, servers: 2, jobs: 4, backupJobs: 4, days: 2, now: SEEDED };

test('the estate thread runs the demo on and the serving connection reads what it committed', async (t) => {
  const dataDir = join(root, 'demo');
  const store = openTestStore(dataDir);
  t.after(() => store.close());
  await generateDemo(store, DEMO);
  const tables = tablesRead(ReplicaJobSession);
  const before = stampOf(await store.dataGenerations(), tables);
  const sessionsBefore = (await allRows(store, ReplicaJobSession)).length;

  const estate = await EstateThread.start({ store: { dataDir }, imported: false, now: SEEDED });
  assert.ok(estate, 'a demo store has an estate');
  t.after(() => estate.close());
  const status = await estate.status();
  assert.equal(status.enabled, true);
  assert.equal(status.jobs, (await Simulation.load(store, { now: SEEDED }))!.jobs, 'the same fleet as one loaded in place');

  const counts = await estate.catchUp(SEEDED + 12 * HOUR);
  assert.ok(counts.sessionsStarted > 0, 'twelve hours of a fleet start sessions');
  // Answered once committed: this connection sees the new sessions and the moved generation.
  const sessionsAfter = (await allRows(store, ReplicaJobSession)).length;
  assert.ok(sessionsAfter > sessionsBefore, `${sessionsAfter} replica sessions after, ${sessionsBefore} before`);
  assert.notEqual(stampOf(await store.dataGenerations(), tables), before);

  // A job action goes through the thread too; an unknown job is undefined, as in place.
  assert.equal(await estate.jobAction('00000000-0000-0000-0000-000000000000', 'start', SEEDED + 12 * HOUR), undefined);
  const job = (await allRows(store, ReplicaJobSession))[0].jobId as string;
  const outcome = await estate.jobAction(job, 'toggleScheduleEnabled', SEEDED + 12 * HOUR);
  assert.deepEqual(outcome, { ok: true, message: '' });

  // Stopped by its owner, it has not ended on its own; later calls fail as transient (503).
  await estate.close();
  await assert.rejects(estate.status(), (e: Error) => e instanceof StoreBusyError && /estate thread stopped/.test(e.message));
});

test('a store without demo data starts no estate thread', async (t) => {
  const dataDir = join(root, 'empty');
  const store = openTestStore(dataDir);
  t.after(() => store.close());
  assert.equal(await EstateThread.start({ store: { dataDir }, imported: false, now: SEEDED }), undefined);
});

test('an estate thread that dies on its own is reported and loaded again at the next takeover poll', async (t) => {
  const dataDir = join(root, 'reload');
  const store = openTestStore(dataDir);
  t.after(() => store.close());
  await generateDemo(store, DEMO);
  const threads: EstateThread[] = [];
  const reports: unknown[] = [];
  const leader = new EstateLeader(store, new Clock({ now: SEEDED, frozen: true }), {
    load: async () => {
      const estate = await EstateThread.start({ store: { dataDir }, imported: false, now: SEEDED });
      threads.push(estate!);
      return estate;
    },
    simulated: async () => true,
    until: async () => undefined,
  }, { tickMs: 3_600_000, report: (e) => reports.push(e) });
  await leader.start();
  t.after(() => leader.stop());
  assert.equal(threads.length, 1);
  // The thread goes away without the leader closing it, as a crashed one would.
  await (threads[0] as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
  const until = Date.now() + 10_000;
  while (threads.length < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(threads.length, 2, 'loaded again');
  assert.match(String(reports[0]), /estate thread stopped/);
  while (!leader.leading && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  const counts = await leader.catchUp(SEEDED + 6 * HOUR);
  assert.ok(counts.sessionsStarted > 0, 'the new thread runs the estate on');
});
