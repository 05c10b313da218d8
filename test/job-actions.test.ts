/**
 * Job actions and EM tasks over a real listening server and a real SQLite store
 * (docs/EM-TASKS.md): `POST /api/jobs/{ID}?action=…` → 202 + Task, `GET /api/tasks`,
 * `GET|DELETE /api/tasks/{ID}`, in XML and JSON, the refusals, and the Job entity's action links.
 * The fixture server has no estate (nothing runs): every action's task must finish with
 * Success=false, never pretend success. The last block runs the real simulation engine over a
 * small demo fleet: start, stop, retry and the schedule toggle, and the refusals EM answers with
 * a failed task.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateDemo, type DemoOptions } from '../src/demo/demo.js';
import { Simulation } from '../src/estate/simulation.js';
import { TaskRegistry } from '../src/estate/tasks.js';
import { J1, J3, J4 } from './support/fixture.js';
import { VIEWER_BASIC, get, logon, startFixtureServer, startServer, type Server, startLoggedOn } from './support/server.js';
import { child, children, parseXml, text } from './support/xml.js';

const JSON_ACCEPT = 'application/json';
const ZERO = '00000000-0000-0000-0000-000000000000';

let server: Server;
let token: string;

before(async () => ({ server, token } = await startLoggedOn()));
after(() => server.close());

const post = (path: string, t = token, accept?: string) => get(server, path, { token: t, method: 'POST', accept });

/** `{"Message":…,"StatusCode":…}` or `<Error StatusCode=…>`: the status an EM Error body carries. */
function errorStatus(body: string): number {
  if (body.startsWith('{')) return (JSON.parse(body) as { StatusCode: number }).StatusCode;
  return Number(parseXml(body).documentElement.getAttribute('StatusCode'));
}

interface XmlTask {
  readonly id: string;
  readonly href: string;
  readonly state: string;
  readonly operation: string;
  readonly links: { rel: string; type: string | null; href: string }[];
  readonly result?: { success: string; message: string };
}

function readTask(el: Element): XmlTask {
  const results = children(el, 'Result');
  return {
    id: text(el, 'TaskId'),
    href: el.getAttribute('Href')!,
    state: text(el, 'State'),
    operation: text(el, 'Operation'),
    links: children(child(el, 'Links'), 'Link').map((l) => ({ rel: l.getAttribute('Rel')!, type: l.getAttribute('Type'), href: l.getAttribute('Href')! })),
    result: results.length ? { success: results[0].getAttribute('Success')!, message: text(results[0], 'Message') } : undefined,
  };
}

/** The element names of a node's children, in order. */
const childNames = (el: Element) => children(el).map((c) => c.localName);

/** Starts an action; asserts the 202 and returns the task it answered with (XML). */
async function act(jobId: string, action: string, t = token): Promise<XmlTask> {
  const res = await post(`/api/jobs/${jobId}?action=${action}`, t);
  assert.equal(res.status, 202, res.body);
  assert.equal(res.headers.get('content-type'), 'application/xml; charset=utf-8');
  const doc = parseXml(res.body).documentElement;
  assert.equal(doc.localName, 'Task');
  assert.equal(doc.getAttribute('Type'), 'Task');
  return readTask(doc);
}

async function taskNow(id: string, t = token): Promise<XmlTask> {
  const res = await get(server, `/api/tasks/${id}`, { token: t });
  assert.equal(res.status, 200, res.body);
  return readTask(parseXml(res.body).documentElement);
}

async function jobEntity(id: string): Promise<Element> {
  const res = await get(server, `/api/jobs/${id}?format=Entity`, { token });
  assert.equal(res.status, 200, res.body);
  return parseXml(res.body).documentElement;
}

describe('the task registry', () => {
  test('task-<n> ids, never reused; the most recent `limit` kept; a task finishes once; snapshots do not change', () => {
    const reg = new TaskRegistry(3);
    const owner = { sessionId: 's1', userName: 'TECH\\admin' };
    const made = [1, 2, 3, 4].map(() => reg.create('StartJob', owner));
    assert.deepEqual(made.map((t) => t.id), ['task-1', 'task-2', 'task-3', 'task-4']);
    assert.equal(reg.size, 3);
    assert.equal(reg.get('task-1'), undefined, 'the oldest is forgotten');
    assert.equal(reg.finish('task-1', { success: true, message: 'late' }), undefined, 'a forgotten task stays forgotten');
    const done = reg.finish('task-2', { success: true, message: 'Ok' }, { type: 'BackupJobSession', id: 'x' })!;
    assert.equal(done.state, 'Finished');
    assert.equal(made[1].state, 'Running', 'the 202 snapshot is unchanged');
    assert.equal(reg.finish('task-2', { success: false, message: 'again' }), undefined);
    assert.equal(reg.get('TASK-2')?.result?.message, 'Ok');
    assert.deepEqual(reg.listFor('s1').map((t) => t.id), ['task-2', 'task-3', 'task-4']);
    assert.deepEqual(reg.listFor('s2'), []);
    assert.ok(reg.delete('task-3'));
    assert.equal(reg.create('StopJob', owner).id, 'task-5');
    assert.throws(() => new TaskRegistry(0), RangeError);
  });
});

describe('POST /api/jobs/{ID}?action=… without an estate', () => {
  test('202 with the task as created: Running, StartJob, a Delete link, no Result', async () => {
    const task = await act(J1, 'start');
    assert.match(task.id, /^task-\d+$/);
    assert.equal(task.href, `${server.url}/api/tasks/${task.id}`);
    assert.equal(task.state, 'Running');
    assert.equal(task.operation, 'StartJob');
    assert.deepEqual(task.links, [{ rel: 'Delete', type: 'Task', href: task.href }]);
    assert.equal(task.result, undefined);
  });

  test('the task finishes with Success=false: nothing runs, and nothing pretends to', async () => {
    for (const [action, operation] of [['start', 'StartJob'], ['stop', 'StopJob'], ['retry', 'RetryJob'], ['toggleScheduleEnabled', 'UpdateJob']]) {
      const created = await act(J3, action);
      assert.equal(created.operation, operation);
      const done = await taskNow(created.id);
      assert.equal(done.state, 'Finished', action);
      assert.equal(done.operation, operation);
      assert.equal(done.result?.success, 'false', action);
      assert.match(done.result!.message, /Backup Job 1.*--simulate/, action);
      assert.deepEqual(done.links.map((l) => l.rel), ['Delete'], 'no Related session: none was made');
    }
    // The schedule was not toggled behind the failed task's back.
    assert.equal(text(await jobEntity(J3), 'ScheduleEnabled'), 'true');
    const sessions = await get(server, `/api/query?type=BackupJobSession&filter=JobName=="Backup Job 1";State!=Stopped`, { token });
    assert.equal(children(child(parseXml(sessions.body).documentElement, 'Refs'), 'Ref').length, 0);
  });

  test('XML element order: Links, TaskId, State, Operation, Result (Success attribute, Message element)', async () => {
    const created = await act(J1, 'stop');
    const res = await get(server, `/api/tasks/${created.id}`, { token });
    const el = parseXml(res.body).documentElement;
    assert.deepEqual(childNames(el), ['Links', 'TaskId', 'State', 'Operation', 'Result']);
    const result = child(el, 'Result');
    assert.deepEqual(childNames(result), ['Message']);
    assert.deepEqual([...Array(result.attributes.length).keys()].map((i) => result.attributes[i].name), ['Success']);
    assert.match(res.body, /^<\?xml version="1.0" encoding="utf-8"\?>\n<Task Href="[^"]+\/api\/tasks\/task-\d+" Type="Task" xmlns="http:\/\/www.veeam.com\/ent\/v1.0" xmlns:xsd="http:\/\/www.w3.org\/2001\/XMLSchema" xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance">\n  <Links>\n/);
  });

  test('JSON: .NET order, TaskId first, Result as {Message, Success}, Result null while Running', async () => {
    const res = await post(`/api/jobs/${J1}?action=retry`, token, JSON_ACCEPT);
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const running = JSON.parse(res.body) as Record<string, unknown>;
    // Profile 12 (the default) writes the member with no value as null: `"Result":null` while running.
    assert.deepEqual(Object.keys(running), ['TaskId', 'State', 'Operation', 'Result', 'Links', 'Href', 'Type']);
    const id = running.TaskId as string;
    assert.deepEqual(running, {
      TaskId: id,
      State: 'Running',
      Operation: 'RetryJob',
      Result: null,
      Links: [{ Rel: 'Delete', Href: `${server.url}/api/tasks/${id}`, Name: null, Type: 'Task' }],
      Href: `${server.url}/api/tasks/${id}`,
      Type: 'Task',
    });
    const done = JSON.parse((await get(server, `/api/tasks/${id}`, { token, accept: JSON_ACCEPT })).body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(done), ['TaskId', 'State', 'Operation', 'Result', 'Links', 'Href', 'Type']);
    assert.equal(done.State, 'Finished');
    const result = done.Result as Record<string, unknown>;
    assert.deepEqual(Object.keys(result), ['Message', 'Success']);
    assert.equal(result.Success, false);
    assert.match(result.Message as string, /Replication Job 1/);
  });

  test('action names compare case-insensitively, as the parameter name does', async () => {
    assert.equal((await act(J1, 'TOGGLESCHEDULEENABLED')).operation, 'UpdateJob');
    const res = await post(`/api/jobs/${J1.toUpperCase()}?ACTION=Start`);
    assert.equal(res.status, 202, res.body);
  });
});

describe('refusals', () => {
  test('unknown job → 404, malformed ID → 400 (issue 16 item 3); the action is checked first (400)', async () => {
    for (const [id, status] of [[ZERO, 404], ['xyz', 400]] as const) {
      const res = await post(`/api/jobs/${id}?action=start`);
      assert.equal(res.status, status, id);
      assert.equal(errorStatus(res.body), status);
    }
    assert.equal((await post(`/api/jobs/${ZERO}?action=explode`)).status, 400);
  });

  test('missing or unknown action → 400 EM Error, XML and JSON', async () => {
    for (const q of ['', '?action=', '?action=explode', '?format=Entity']) {
      const res = await post(`/api/jobs/${J1}${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(errorStatus(res.body), 400);
    }
    const json = await post(`/api/jobs/${J1}?action=explode`, token, JSON_ACCEPT);
    assert.equal(json.status, 400);
    assert.deepEqual(Object.keys(JSON.parse(json.body)), ['FirstChanceExceptionMessage', 'Message', 'StackTrace', 'Status', 'StatusCode']);
  });

  test("EM's other job actions (clone, sync) → 501", async () => {
    for (const action of ['clone', 'sync']) {
      const res = await post(`/api/jobs/${J4}?action=${action}`);
      assert.equal(res.status, 501, action);
      assert.equal(errorStatus(res.body), 501);
    }
  });

  test('a Portal User may not act on jobs (403); without a token, 401', async () => {
    const viewer = await logon(server, VIEWER_BASIC);
    const res = await post(`/api/jobs/${J1}?action=start`, viewer.token);
    assert.equal(res.status, 403);
    assert.equal(errorStatus(res.body), 403);
    assert.equal((await get(server, `/api/jobs/${J1}?action=start`, { method: 'POST' })).status, 401);
  });

  test('wrong methods → 405 with Allow', async () => {
    const put = await get(server, `/api/jobs/${J1}?action=start`, { token, method: 'PUT' });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST');
    const postTasks = await post('/api/tasks');
    assert.equal(postTasks.status, 405);
    assert.equal(postTasks.headers.get('allow'), 'GET');
    const putTask = await get(server, '/api/tasks/task-1', { token, method: 'PUT' });
    assert.equal(putTask.status, 405);
    assert.equal(putTask.headers.get('allow'), 'GET, DELETE');
    // POST on a collection stays refused.
    assert.equal((await post('/api/jobs?action=start')).status, 405);
  });

  test('unknown task → 404', async () => {
    for (const id of ['task-999999', 'nope', ZERO]) {
      const res = await get(server, `/api/tasks/${id}`, { token });
      assert.equal(res.status, 404, id);
      assert.equal(errorStatus(res.body), 404);
    }
  });

  test('query?type=Task is a known EM type emrest does not implement: 501', async () => {
    assert.equal((await get(server, '/api/query?type=Task', { token })).status, 501);
  });
});

describe('GET /api/tasks, GET|DELETE /api/tasks/{ID}', () => {
  test("the list holds the caller's logon session's tasks, oldest first; XML and JSON", async () => {
    const mine = await logon(server);
    const empty = await get(server, '/api/tasks', { token: mine.token });
    assert.equal(empty.status, 200);
    assert.match(empty.body, /<Tasks xmlns="http:\/\/www.veeam.com\/ent\/v1.0" xmlns:xsd="http:\/\/www.w3.org\/2001\/XMLSchema" xmlns:xsi="http:\/\/www.w3.org\/2001\/XMLSchema-instance" \/>$/);
    assert.deepEqual(JSON.parse((await get(server, '/api/tasks', { token: mine.token, accept: JSON_ACCEPT })).body), { Tasks: [] });

    const a = await act(J1, 'start', mine.token);
    const b = await act(J3, 'toggleScheduleEnabled', mine.token);
    const list = parseXml((await get(server, '/api/tasks', { token: mine.token })).body).documentElement;
    assert.equal(list.localName, 'Tasks');
    const items = children(list, 'Task').map(readTask);
    assert.deepEqual(items.map((t) => [t.id, t.operation, t.state]), [[a.id, 'StartJob', 'Finished'], [b.id, 'UpdateJob', 'Finished']]);
    assert.ok(Number(a.id.slice(5)) < Number(b.id.slice(5)));

    const json = JSON.parse((await get(server, '/api/tasks', { token: mine.token, accept: JSON_ACCEPT })).body) as { Tasks: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(json), ['Tasks']);
    assert.deepEqual(json.Tasks.map((t) => t.TaskId), [a.id, b.id]);
    assert.deepEqual(Object.keys(json.Tasks[0]), ['TaskId', 'State', 'Operation', 'Result', 'Links', 'Href', 'Type']);

    // Another logon session of the same user: not in its list, but reachable by id.
    const again = await logon(server);
    assert.deepEqual(JSON.parse((await get(server, '/api/tasks', { token: again.token, accept: JSON_ACCEPT })).body), { Tasks: [] });
    assert.equal((await taskNow(a.id, again.token)).id, a.id);
    // Another user: not at all.
    const viewer = await logon(server, VIEWER_BASIC);
    assert.equal((await get(server, `/api/tasks/${a.id}`, { token: viewer.token })).status, 404);
    assert.equal((await get(server, `/api/tasks/${a.id}`, { token: viewer.token, method: 'DELETE' })).status, 404);
    assert.deepEqual(JSON.parse((await get(server, '/api/tasks', { token: viewer.token, accept: JSON_ACCEPT })).body), { Tasks: [] });
  });

  test('task ids compare case-insensitively', async () => {
    const t = await act(J1, 'start');
    assert.equal((await taskNow(t.id.toUpperCase())).id, t.id);
  });

  test("DELETE (the task's Delete link) → 204; the task is gone", async () => {
    const t = await act(J1, 'stop');
    const del = await get(server, new URL(t.links[0].href).pathname, { token, method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal(del.body, '');
    assert.equal((await get(server, `/api/tasks/${t.id}`, { token })).status, 404);
    assert.equal((await get(server, `/api/tasks/${t.id}`, { token, method: 'DELETE' })).status, 404);
    const ids = children(parseXml((await get(server, '/api/tasks', { token })).body).documentElement, 'Task').map((e) => text(e, 'TaskId'));
    assert.ok(!ids.includes(t.id));
  });
});

describe("the Job entity's action links (by job type, as EM's docs show them)", () => {
  const rels = async (id: string) =>
    children(child(await jobEntity(id), 'Links'), 'Link').map((l) => `${l.getAttribute('Rel')} ${l.getAttribute('Type') ?? ''}`.trim());

  test('backup and replication jobs: Start, Stop, Retry after Create ObjectInJob', async () => {
    for (const id of [J1, J3]) {
      const r = await rels(id);
      assert.deepEqual(r.slice(-4), ['Create ObjectInJob', 'Start', 'Stop', 'Retry'], id);
      assert.ok(r.includes('Edit JobReference'));
    }
    const start = children(child(await jobEntity(J1), 'Links'), 'Link').find((l) => l.getAttribute('Rel') === 'Start')!;
    assert.equal(start.getAttribute('Href'), `${server.url}/api/jobs/${J1}?action=start`);
  });

  test('backup copy jobs: Sync and linked jobs/repositories, no Start/Stop/Retry, Edit or includes', async () => {
    assert.deepEqual(await rels(J4), [
      'Up BackupServerReference',
      'Alternate JobReference',
      'Clone',
      'ToggleScheduleEnabled',
      'Down BackupJobSessionReferenceList',
      'Sync',
      'Down LinkedJobObjectList',
      'Down LinkedBackupRepositoryObjectList',
      'Create LinkedJobObject',
      'Create LinkedBackupRepositoryObject',
    ]);
  });
});

describe('job actions carried out by the simulated estate (demo fleet, frozen clock)', () => {
  const SEEDED = Date.parse('2026-11-02T06:00:00Z');
  const MIN = 60_000;
  const DEMO: DemoOptions = { seed: 7, servers: 2, jobs: 4, backupJobs: 6, days: 3, now: SEEDED };
  let live: Server;
  let sim: Simulation;
  let t: string;

  before(async () => {
    live = await startServer({
      now: SEEDED,
      load: (store) => generateDemo(store, DEMO),
      simulate: true,
    });
    sim = live.estate!;
    ({ token: t } = await logon(live));
  });
  after(() => live?.close());

  const q = async (query: string): Promise<Element[]> => {
    const res = await get(live, `/api/query?${query}&format=Entities&pageSize=5000`, { token: t });
    assert.equal(res.status, 200, res.body);
    const entities = child(parseXml(res.body).documentElement, 'Entities');
    return children(children(entities)[0]);
  };
  const uidOf = (el: Element) => el.getAttribute('UID')!.split(':').pop()!;
  const doAct = async (jobId: string, action: string): Promise<XmlTask> => {
    const res = await get(live, `/api/jobs/${jobId}?action=${action}`, { token: t, method: 'POST' });
    assert.equal(res.status, 202, res.body);
    const created = readTask(parseXml(res.body).documentElement);
    assert.equal(created.state, 'Running');
    assert.equal(created.result, undefined);
    const now = await get(live, `/api/tasks/${created.id}`, { token: t });
    assert.equal(now.status, 200);
    const done = readTask(parseXml(now.body).documentElement);
    assert.equal(done.state, 'Finished', `${action}: the 202 came after the estate carried it out`);
    return done;
  };
  const related = (task: XmlTask) => task.links.find((l) => l.rel === 'Related');
  const sessionAt = async (href: string): Promise<Element> => {
    const res = await get(live, new URL(href).pathname + new URL(href).search, { token: t });
    assert.equal(res.status, 200, res.body);
    return parseXml(res.body).documentElement;
  };
  /** Moves the frozen clock and lets the engine run what was due. */
  const advance = async (ms: number) => {
    live.advance(ms);
    await sim.catchUp(live.clock.now());
  };

  /** A job of this type idle now (no session without EndTime), whose latest session ended as `lastResult` if given. */
  async function idleJob(jobType: 'Backup' | 'Replica', lastResult?: (r: string) => boolean): Promise<{ id: string; name: string }> {
    const sessionType = jobType === 'Backup' ? 'BackupJobSession' : 'ReplicaJobSession';
    const sessions = await q(`type=${sessionType}&sortDesc=CreationTime`);
    const latest = new Map<string, Element>();
    for (const s of sessions) if (!latest.has(text(s, 'JobUid'))) latest.set(text(s, 'JobUid'), s);
    for (const job of await q(`type=Job&filter=JobType==${jobType}`)) {
      const last = latest.get(job.getAttribute('UID')!);
      if (!last || children(last, 'EndTimeUTC').length === 0) continue;
      if (lastResult && !lastResult(text(last, 'Result'))) continue;
      return { id: uidOf(job), name: job.getAttribute('Name')! };
    }
    throw new Error(`no idle ${jobType} job${lastResult ? ' with such a last result' : ''}`);
  }

  test('start: a run begins (Related link to its session, then Working in /api/query); a second start fails the task', async () => {
    const job = await idleJob('Backup');
    const started = await doAct(job.id, 'start');
    assert.equal(started.operation, 'StartJob');
    assert.deepEqual(started.result, { success: 'true', message: `Job "${job.name}" triggered to start.` });
    const link = related(started)!;
    assert.equal(link.type, 'BackupJobSession');
    assert.match(link.href, new RegExp(`^${live.url}/api/backupSessions/[0-9a-f-]{36}\\?format=Entity$`));
    assert.deepEqual(started.links.map((l) => l.rel), ['Delete', 'Related']);
    const session = await sessionAt(link.href);
    const sessionId = uidOf(session);
    assert.equal(text(session, 'JobName'), job.name);
    assert.ok(['Starting', 'Working'].includes(text(session, 'State')));
    assert.equal(children(session, 'EndTimeUTC').length, 0);
    assert.equal(text(session, 'Result'), 'None');
    assert.equal(text(session, 'IsRetry'), 'false');

    let working = false;
    for (let i = 0; i < 10 && !working; i++) {
      await advance(MIN);
      working = (await q(`type=BackupJobSession&filter=${encodeURIComponent(`State==Working;JobName=="${job.name}"`)}`)).some((s) => uidOf(s) === sessionId);
    }
    assert.ok(working, 'the started run is Working in /api/query');

    const again = await doAct(job.id, 'start');
    assert.equal(again.result?.success, 'false');
    assert.match(again.result!.message, /already running/);
    assert.equal(related(again), undefined);

    // stop: the run ends now, stopped by the operator; stopping the idle job then fails the task.
    await advance(MIN);
    const stopped = await doAct(job.id, 'stop');
    assert.equal(stopped.operation, 'StopJob');
    assert.deepEqual(stopped.result, { success: 'true', message: `Job "${job.name}" triggered to stop.` });
    assert.equal(related(stopped)?.href, link.href);
    const ended = await sessionAt(link.href);
    assert.equal(text(ended, 'State'), 'Stopped');
    assert.equal(text(ended, 'Progress'), '100');
    assert.equal(children(ended, 'EndTimeUTC').length, 1);
    assert.equal(text(ended, 'Result'), 'Failed');
    const idle = await doAct(job.id, 'stop');
    assert.equal(idle.result?.success, 'false');
    assert.match(idle.result!.message, /not running/);

    // retry after the failure: a new run with IsRetry=true.
    await advance(MIN);
    const retried = await doAct(job.id, 'retry');
    assert.equal(retried.operation, 'RetryJob');
    assert.deepEqual(retried.result, { success: 'true', message: `Job "${job.name}" triggered to retry.` });
    const retry = await sessionAt(related(retried)!.href);
    assert.notEqual(uidOf(retry), sessionId);
    assert.equal(text(retry, 'IsRetry'), 'true');
    assert.equal(children(retry, 'EndTimeUTC').length, 0);
    await advance(MIN);
    assert.equal((await doAct(job.id, 'stop')).result?.success, 'true');
  });

  test('retry of a job whose last run did not fail: the task fails, no run starts', async () => {
    const job = await idleJob('Backup', (r) => r === 'Success' || r === 'Warning');
    const before = (await q(`type=BackupJobSession&filter=${encodeURIComponent(`JobName=="${job.name}"`)}`)).length;
    const task = await doAct(job.id, 'retry');
    assert.equal(task.result?.success, 'false');
    assert.match(task.result!.message, /cannot be retried/);
    assert.equal(related(task), undefined);
    assert.equal((await q(`type=BackupJobSession&filter=${encodeURIComponent(`JobName=="${job.name}"`)}`)).length, before);
  });

  test('replication jobs: the Related link names a ReplicaJobSession; JSON shows it after Delete', async () => {
    const job = await idleJob('Replica');
    const res = await get(live, `/api/jobs/${job.id}?action=start`, { token: t, method: 'POST', accept: JSON_ACCEPT });
    assert.equal(res.status, 202);
    const id = (JSON.parse(res.body) as { TaskId: string }).TaskId;
    const done = JSON.parse((await get(live, `/api/tasks/${id}`, { token: t, accept: JSON_ACCEPT })).body) as {
      Result: { Message: string; Success: boolean };
      Links: Record<string, string>[];
    };
    assert.deepEqual(done.Result, { Message: `Job "${job.name}" triggered to start.`, Success: true });
    assert.equal(done.Links.length, 2);
    assert.deepEqual(Object.keys(done.Links[1]), ['Rel', 'Href', 'Name', 'Type']); // Name null under profile 12
    assert.equal(done.Links[1].Rel, 'Related');
    assert.equal(done.Links[1].Type, 'ReplicaJobSession');
    assert.match(done.Links[1].Href, new RegExp(`^${live.url}/api/replicaSessions/[0-9a-f-]{36}\\?format=Entity$`));
    const session = await sessionAt(done.Links[1].Href);
    assert.equal(session.localName, 'ReplicaJobSession');
    assert.equal(text(session, 'JobName'), job.name);
    await advance(MIN);
    assert.equal((await doAct(job.id, 'stop')).result?.success, 'true');
  });

  test('toggleScheduleEnabled: UpdateJob, "Ok", and the Job entity follows', async () => {
    const [job] = await q('type=Job&filter=JobType==Backup');
    const id = uidOf(job);
    const was = text(job, 'ScheduleEnabled');
    const task = await doAct(id, 'toggleScheduleEnabled');
    assert.equal(task.operation, 'UpdateJob');
    assert.deepEqual(task.result, { success: 'true', message: 'Ok' });
    const entity = async () => parseXml((await get(live, `/api/jobs/${id}?format=Entity`, { token: t })).body).documentElement;
    assert.equal(text(await entity(), 'ScheduleEnabled'), was === 'true' ? 'false' : 'true');
    await doAct(id, 'toggleScheduleEnabled');
    assert.equal(text(await entity(), 'ScheduleEnabled'), was);
  });
});
