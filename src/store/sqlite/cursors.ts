import type { QueryPlan } from '../../query/plan.js';
import type { RawValue, Row } from '../../model/index.js';
import { compileSelect, SQLITE } from '../sql.js';
import { columnKeys, rowOf } from './raw-rows.js';
import type { Cursor } from '../store.js';
import { whenFree } from './busy.js';
import { connectReader, READ_WAIT_MS, Statements } from './connection.js';

/** Idle cursor connections kept open for the next answer (more are opened while needed). */
const IDLE_CURSOR_CONNECTIONS = 4;

/**
 * Read connections for cursors, one cursor at a time each: an open cursor keeps its
 * connection (and its read transaction) busy until it is closed or read to its end.
 */
export class Cursors {
  private readonly idle: Statements[] = [];
  private readonly all = new Set<Statements>();

  /** `path`: a database the store opened already (in WAL mode). */
  constructor(private readonly path: string) {}

  private take(): Statements {
    let c = this.idle.pop();
    if (c === undefined) {
      c = new Statements(connectReader(this.path));
      this.all.add(c);
    }
    return c;
  }

  private giveBack(c: Statements): void {
    const { db } = c;
    if (db.open && db.inTransaction) db.exec('ROLLBACK');
    if (this.idle.length < IDLE_CURSOR_CONNECTIONS && db.open) {
      this.idle.push(c);
    } else {
      this.all.delete(c);
      if (db.open) db.close();
    }
  }

  /**
   * Total (by `total`, inside the read transaction) and rows from one read transaction on a
   * connection of the cursor's own; rows are stepped out of SQLite a chunk at a time.
   */
  async open(
    plan: QueryPlan, options: { count?: boolean; chunkRows: number }, total: (statements: Statements) => number,
  ): Promise<Cursor> {
    const c = this.take();
    let rows: IterableIterator<RawValue[]> | undefined;
    let keys: readonly string[] = [];
    let counted: number | undefined;
    try {
      await whenFree(`query of ${plan.type.name}`, READ_WAIT_MS, () => {
        try {
          c.db.exec('BEGIN');
          counted = options.count ? total(c) : undefined;
          const select = compileSelect(plan, SQLITE);
          const statement = c.get(select.text).raw(true);
          keys = columnKeys(statement);
          rows = statement.iterate(...select.params) as IterableIterator<RawValue[]>;
        } catch (e) {
          c.db.exec('ROLLBACK');
          throw e;
        }
      });
    } catch (e) {
      this.giveBack(c);
      throw e;
    }
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      // The store may have closed the connection under the cursor (shutdown).
      if (c.db.open) rows!.return?.();
      this.giveBack(c);
    };
    return {
      total: counted,
      next: async () => {
        const chunk: Row[] = [];
        try {
          while (open && chunk.length < options.chunkRows) {
            const r = rows!.next();
            if (r.done) close();
            else chunk.push(rowOf(keys, r.value));
          }
        } catch (e) {
          close();
          throw e;
        }
        return chunk;
      },
      close,
    };
  }

  /** Closes every cursor connection, in use or idle (the store is closing). */
  close(): void {
    for (const c of this.all) if (c.db.open) c.db.close();
    this.all.clear();
    this.idle.length = 0;
  }
}
