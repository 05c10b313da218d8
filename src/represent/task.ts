import type { Task } from '../estate/tasks.js';
import { link } from './links.js';
import { list, node, rootList, xmlOrder, type Document, type Node, type Prop } from './model.js';

/**
 * EM's `Task` (docs/EM-TASKS.md), declared once for XML and JSON. XSD `TaskType` extends
 * `ResourceType`: XML `<Task Type="Task" Href="{B}/tasks/task-1">` with `Links`, `TaskId`,
 * `State`, `Operation`, `Result` (absent while Running); JSON in .NET order, the task's own
 * members first: `TaskId, State, Operation, Result, Links, Href, Type`. `Result` is
 * `TaskResultInfoType`: element `Message`, attribute `Success` → `{"Message":…,"Success":…}`.
 * Links: `Delete Task {B}/tasks/{id}` always; `Related <Session> {B}/<sessions>/{id}?format=Entity`
 * once the task knows the job session its action started or stopped.
 */

const SESSION_COLLECTION = { ReplicaJobSession: 'replicaSessions', BackupJobSession: 'backupSessions' } as const;

const resultProps = (success: boolean, message: string): Prop[] => [
  { name: 'Message', value: message, x: 0 },
  { name: 'Success', value: success, attr: true, x: 0 },
];
const RESULT_XML = xmlOrder(resultProps(true, ''));

const taskProps = (t: Task, links: Node[], href: string): Prop[] => [
  { name: 'TaskId', value: t.id, x: 1 },
  { name: 'State', value: t.state, x: 2 },
  { name: 'Operation', value: t.operation, x: 3 },
  { name: 'Result', value: t.result && node('Result', resultProps(t.result.success, t.result.message), RESULT_XML), x: 4 },
  { name: 'Links', value: list(links), x: 0 },
  { name: 'Href', value: href, attr: true, x: 1 },
  { name: 'Type', value: 'Task', attr: true, x: 0 },
];

function taskNode(t: Task, base: string): Node {
  const href = `${base}/tasks/${t.id}`;
  const links = [link('Delete', href, 'Task')];
  if (t.session) {
    links.push(link('Related', `${base}/${SESSION_COLLECTION[t.session.type]}/${t.session.id}?format=Entity`, t.session.type));
  }
  const props = taskProps(t, links, href);
  return node('Task', props);
}

/** `GET {B}/tasks/{ID}` and the 202 answer of a job action: the task as its root. */
export const taskDocument = (t: Task, base: string): Document => taskNode(t, base);

/** `GET {B}/tasks` (EM's `TaskList`): `<Tasks><Task …/>…</Tasks>` / `{"Tasks":[…]}`. */
export const taskList = (tasks: readonly Task[], base: string): Document =>
  rootList('Tasks', 'Tasks', tasks.map((t) => taskNode(t, base)));
