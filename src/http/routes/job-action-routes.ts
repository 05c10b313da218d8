import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULTS } from '../../config.js';
import type { JobAction } from '../../estate/estate.js';
import { TaskRegistry, type Task, type TaskResult, type TaskSession } from '../../estate/tasks.js';
import { Job } from '../../model/job.js';
import { taskDocument, taskList } from '../../represent/task.js';
import { StoreBusyError } from '../../store/store.js';
import { logonOf, type AppContext } from '../context.js';
import { errors } from '../errors.js';
import { param } from '../query-string.js';
import { resource } from '../route.js';
import { sendDocument, sendRaw } from '../send.js';
import { authorize, findRow, type ItemHandlers } from './resource-routes.js';

/**
 * The job actions EM has on `POST {B}/jobs/{ID}?action=…` (docs/EM-TASKS.md): EM's operation
 * name of the task each one makes, the verb of its messages, and the message of success (EM's
 * own texts: `Job "X" triggered to start.`; `Ok` for the schedule toggle).
 */
const ACTIONS: Readonly<Record<string, { action: JobAction; operation: string; verb: string; done: (job: string) => string }>> = {
  start: { action: 'start', operation: 'StartJob', verb: 'start', done: (job) => `Job "${job}" triggered to start.` },
  stop: { action: 'stop', operation: 'StopJob', verb: 'stop', done: (job) => `Job "${job}" triggered to stop.` },
  retry: { action: 'retry', operation: 'RetryJob', verb: 'retry', done: (job) => `Job "${job}" triggered to retry.` },
  togglescheduleenabled: { action: 'toggleScheduleEnabled', operation: 'UpdateJob', verb: 'update', done: () => 'Ok' },
};

/** Job actions of a real EM that emrest does not carry out: 501, as for EM query types it lacks. */
const OTHER_EM_ACTIONS: ReadonlySet<string> = new Set(['clone', 'sync', 'edit']);

/** The `action` values `POST /jobs/{ID}` knows, as EM spells them: carried out, then those answering 501 (the OpenAPI document lists both). */
export const JOB_ACTION_NAMES: readonly string[] = Object.values(ACTIONS).map((a) => a.action);
export const OTHER_JOB_ACTION_NAMES: readonly string[] = [...OTHER_EM_ACTIONS];

type Spec = (typeof ACTIONS)[string];

/**
 * `GET {B}/tasks`, `GET | DELETE {B}/tasks/{ID}`, and the job actions, whose `POST` handler
 * joins `/jobs/{ID}` (returned for `resourceRoutes`, which owns that path).
 *
 * DECISIONS (docs/EM-TASKS.md): the action answers 202 with the task as created (State
 * Running, no Result), as EM's docs show, after waiting up to `jobActionWaitMs` for the estate,
 * so the task is usually Finished (and the run it started visible) by the time a client asks.
 * The list holds the caller's logon session's tasks (EM: "created within the currently existing
 * logon session"); one task is reachable from any logon session of the same user (a script
 * that logs on again to poll its task still finds it), not from other users'.
 */
export function jobActionRoutes(app: FastifyInstance, ctx: AppContext, tasks = new TaskRegistry(DEFAULTS.maxTasks)): ItemHandlers {
  /** Carries the action out and finishes the task; never rejects. */
  async function carryOut(log: FastifyBaseLogger, task: Task, jobId: string, jobName: string, spec: Spec): Promise<void> {
    let result: TaskResult;
    let session: TaskSession | undefined;
    const estate = ctx.estate;
    if (!estate) {
      // EM's answer when the backup server cannot carry an action out: the task fails, the request does not.
      result = { success: false, message: `Failed to ${spec.verb} job "${jobName}": jobs do not run in this emrest (start it with --simulate)` };
    } else {
      try {
        const outcome = await estate.jobAction(jobId, spec.action, ctx.clock.now());
        // The store has the job, the estate does not (data imported beside the simulated fleet).
        if (!outcome) result = { success: false, message: `Failed to ${spec.verb} job "${jobName}": the backup server does not know the job` };
        else {
          result = outcome.ok ? { success: true, message: spec.done(jobName) } : { success: false, message: outcome.message };
          session = outcome.session;
        }
      } catch (err) {
        log.error({ err, task: task.id }, 'job action failed');
        const why = err instanceof StoreBusyError ? err.message : 'internal error';
        result = { success: false, message: `Failed to ${spec.verb} job "${jobName}": ${why}` };
      }
    }
    tasks.finish(task.id, result, session);
  }

  async function act(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const logon = logonOf(req);
    authorize(Job, logon.user);
    const given = param(req.em.params, 'action');
    const key = given?.toLowerCase();
    const spec = key === undefined ? undefined : ACTIONS[key];
    if (!spec) throw key !== undefined && OTHER_EM_ACTIONS.has(key) ? errors.notImplemented(`action=${given}`) : errors.badAction(given);
    const job = await findRow(ctx.store, Job, (req.params as { id: string }).id);
    const task = tasks.create(spec.operation, { sessionId: logon.sessionId, userName: logon.user.name });
    const done = carryOut(req.log, task, job.id as string, job.name as string, spec);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, DEFAULTS.jobActionWaitMs)))]);
    clearTimeout(timer);
    sendDocument(reply, 202, taskDocument(task, req.em.base), req.em.rendering);
  }

  /** A task of the caller's user (any of their logon sessions), else 404. */
  const ownTask = (req: FastifyRequest): Task => {
    const rawId = (req.params as { id: string }).id;
    const task = tasks.get(rawId);
    if (!task || task.owner.userName.toLowerCase() !== logonOf(req).user.name.toLowerCase()) throw errors.notFound(`task ${rawId}`);
    return task;
  };

  resource(app, '/api/tasks', {
    GET: async (req, reply) => sendDocument(reply, 200, taskList(tasks.listFor(logonOf(req).sessionId), req.em.base), req.em.rendering),
  });
  resource(app, '/api/tasks/:id', {
    GET: async (req, reply) => sendDocument(reply, 200, taskDocument(ownTask(req), req.em.base), req.em.rendering),
    DELETE: async (req, reply) => {
      tasks.delete(ownTask(req).id);
      sendRaw(reply, 204, []);
    },
  });

  return { [Job.name]: { POST: act } };
}
