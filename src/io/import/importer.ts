import type { Predicate } from '../../query/plan.js';
import { planOrder } from '../../query/plan.js';
import { fieldByKey, TYPES, type Row, type TypeDecl } from '../../model/index.js';
import { PARENTS_FIRST } from '../../store/schema.js';
import type { Store, StoreWriter } from '../../store/store.js';
import { readEntities, type ConvertedEntity } from './entities.js';
import { ImportError, type Where } from './errors.js';
import { linkOnlyRow, planOf, type Ref } from './mapping.js';
import { readEntitiesInThread } from './parse-thread.js';
import type { ImportInput, InputFormat } from './source.js';

/** Rows per type, and per store round, that are buffered before they are written. */
const BATCH = 2000;
/** UIDs per existence lookup. */
const LOOKUP_CHUNK = 200;
/**
 * Rows held back because their parent session was neither stored nor earlier in the input
 * (it may come later). Past this many, the input is rejected rather than held in memory.
 */
const MAX_WAITING = 50_000;

/** Types a link alone may create (declared `fromLink` in the registry), with their defaults. */
const LINK_CREATABLE: ReadonlyMap<TypeDecl, Readonly<Row>> = new Map(
  TYPES.flatMap((t) => (t.fromLink ? [[t, t.fromLink] as const] : [])),
);

export interface ImportCounts {
  /** Rows inserted per type name (every declared type, zeros included). */
  readonly inserted: Record<string, number>;
  /** Existing rows whose values changed, per type name. */
  readonly updated: Record<string, number>;
}

export interface ImportResult extends ImportCounts {
  readonly format: InputFormat;
  /** Entities read (link-only servers and jobs not counted). */
  readonly entities: number;
}

const emptyCounts = (): Record<string, number> => Object.fromEntries(PARENTS_FIRST.map((t) => [t.name, 0]));

/** A row that must exist before the entity's (a task's session): type and GUID, with the entity's position. */
interface Parent {
  readonly type: TypeDecl;
  readonly id: string;
  readonly where: Where;
}

interface Pending {
  readonly row: Row;
  /** Its parents (a task's session; a VM restore point's point and file). */
  readonly parents?: readonly Parent[];
}

/** A reference declared `mayDangle` (a restore point's session) needs no row to exist. */
const mayDangle = (ref: Ref) => ref.field.kind === 'uid' && ref.field.mayDangle === true;

/** UIDs of `type` among `ids` that are stored (committed) already. */
async function stored(store: Store, type: TypeDecl, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const idField = fieldByKey(type, 'id');
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const items: Predicate[] = ids.slice(i, i + LOOKUP_CHUNK).map((id) => ({ kind: 'cmp', field: idField, op: '==', value: id }));
    const where: Predicate = items.length === 1 ? items[0] : { kind: 'or', items };
    const { rows } = await store.query({ type, where, order: planOrder(type), offset: 0, limit: -1 });
    for (const r of rows) found.add(r.id as string);
  }
  return found;
}

function mapOf<V>(make: () => V): Map<TypeDecl, V> {
  return new Map(TYPES.map((t) => [t, make()]));
}

/**
 * Writes the entities of one input inside one store transaction, in batches. Upserts by UID;
 * backup servers and jobs seen only in links are created from the links unless the input or
 * the store has them (a full entity later in the input replaces the link-only row); a task
 * session's parent session must be in the input (anywhere) or in the store.
 */
class Importer {
  readonly inserted = emptyCounts();
  readonly updated = emptyCounts();
  entities = 0;
  private buffered = 0;
  private readonly pending = mapOf<Pending[]>(() => []);
  /** Full rows replacing link-only rows this input created (their counts are the link rows'). */
  private readonly replacing = mapOf<Row[]>(() => []);
  /** Link-only rows waiting for the existence check, by UID. */
  private readonly candidates = mapOf<Map<string, Row>>(() => new Map());
  /** UIDs of full entities of this input (of types something refers to). */
  private readonly seen = mapOf<Set<string>>(() => new Set());
  private readonly linkCreated = mapOf<Set<string>>(() => new Set());
  /** UIDs known to be stored already. */
  private readonly inStore = mapOf<Set<string>>(() => new Set());
  /** Rows whose parent was in neither the input so far nor the store: checked again at the end. */
  private waiting: { type: TypeDecl; entry: Pending }[] = [];
  /** Types some foreign key points to: their UIDs in this input are remembered. */
  private readonly referenced = new Set(TYPES.flatMap((t) => planOf(t).targets));

  constructor(
    private readonly store: Store,
    private readonly w: StoreWriter,
    private readonly source: string,
  ) {}

  async add(entity: ConvertedEntity): Promise<void> {
    const c = entity.converted;
    const { type, row } = c;
    const id = row.id as string;
    this.entities++;
    const parents: Parent[] = [];
    for (const ref of c.refs) {
      const defaults = LINK_CREATABLE.get(ref.target);
      if (defaults) {
        const t = ref.target;
        if (this.seen.get(t)!.has(ref.id) || this.linkCreated.get(t)!.has(ref.id) || this.inStore.get(t)!.has(ref.id)) continue;
        if (!this.candidates.get(t)!.has(ref.id)) this.candidates.get(t)!.set(ref.id, linkOnlyRow(t, ref, c, defaults));
      } else if (!mayDangle(ref)) {
        parents.push({ type: ref.target, id: ref.id, where: entity.where() });
      }
    }
    if (LINK_CREATABLE.has(type)) this.candidates.get(type)!.delete(id);
    if (this.referenced.has(type)) this.seen.get(type)!.add(id);
    if (this.linkCreated.get(type)!.has(id)) this.replacing.get(type)!.push(row);
    else this.pending.get(type)!.push({ row, parents });
    if (++this.buffered >= BATCH) await this.flush();
  }

  /** Resolves link-only rows and parents, then writes everything buffered, parents first. */
  private async flush(): Promise<void> {
    this.buffered = 0;
    for (const type of PARENTS_FIRST) {
      const candidates = this.candidates.get(type)!;
      if (candidates.size === 0) continue;
      const exists = await stored(this.store, type, [...candidates.keys()]);
      const created: Pending[] = [];
      for (const [id, row] of candidates) {
        if (exists.has(id)) this.inStore.get(type)!.add(id);
        else {
          created.push({ row });
          this.linkCreated.get(type)!.add(id);
        }
      }
      candidates.clear();
      if (created.length) this.pending.set(type, [...created, ...this.pending.get(type)!]);
    }

    for (const type of PARENTS_FIRST) {
      const entries = this.pending.get(type)!;
      const unknown = new Map<TypeDecl, Set<string>>();
      for (const { parents } of entries) {
        for (const parent of parents ?? []) {
          if (!this.known(parent)) (unknown.get(parent.type) ?? unknown.set(parent.type, new Set()).get(parent.type)!).add(parent.id);
        }
      }
      for (const [parentType, ids] of unknown) {
        for (const id of await stored(this.store, parentType, [...ids])) this.inStore.get(parentType)!.add(id);
      }
      const ready = unknown.size === 0 ? entries : entries.filter((e) => {
        if (this.missing(e) === undefined) return true;
        this.waiting.push({ type, entry: e });
        return false;
      });
      if (this.waiting.length > MAX_WAITING) {
        const { type: t, entry } = this.waiting[0];
        const parent = this.missing(entry)!;
        throw new ImportError(
          this.source,
          `${t.name} ${entry.row.id}: its ${parent.type.name} ${parent.id} is neither in the store nor earlier in this input, ` +
            `and more than ${MAX_WAITING} task sessions wait for sessions later in it: import the sessions first, or put them first`,
          parent.where,
        );
      }
      if (ready.length) {
        const r = await this.w.upsert(type, ready.map((e) => e.row));
        this.inserted[type.name] += r.inserted;
        this.updated[type.name] += r.updated;
      }
      entries.length = 0;
      const replacing = this.replacing.get(type)!;
      if (replacing.length) {
        await this.w.upsert(type, replacing);
        replacing.length = 0;
      }
    }
  }

  private known(p: Parent): boolean {
    return this.seen.get(p.type)!.has(p.id) || this.inStore.get(p.type)!.has(p.id);
  }

  /** A parent of the entry neither in the input so far nor in the store, if any. */
  private missing(entry: Pending): Parent | undefined {
    return entry.parents?.find((p) => !this.known(p));
  }

  async finish(): Promise<void> {
    await this.flush();
    if (this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const { type, entry } of waiting) {
      const p = this.missing(entry);
      if (p !== undefined) {
        throw new ImportError(
          this.source,
          `${type.name} ${entry.row.id}: its ${p.type.name} ${p.id} is neither in this input nor in the store (import the sessions first)`,
          p.where,
        );
      }
      this.pending.get(type)!.push(entry);
    }
    await this.flush();
  }
}

/** A file to import by name: read, parsed and converted on a thread of its own (`readEntitiesInThread`). */
export interface ImportFile {
  readonly file: string;
}

/**
 * Imports one input (a file, stdin or a request body) in ONE store transaction: every entity
 * lands, or — on the first malformed or inconsistent one — none does, and an `ImportError`
 * says where and why. The format is detected from the content.
 */
export async function importData(store: Store, input: ImportInput | ImportFile, source: string): Promise<ImportResult> {
  const { format, entities } = 'file' in input ? await readEntitiesInThread(input.file, source) : await readEntities(input, source);
  return store.write(
    async (w) => {
      const importer = new Importer(store, w, source);
      for await (const raw of entities) await importer.add(raw);
      await importer.finish();
      return { format, entities: importer.entities, inserted: importer.inserted, updated: importer.updated };
    },
    { bulk: true },
  );
}
