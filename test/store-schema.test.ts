/**
 * What the store derives from the declarations (stored columns, references, the order of the
 * resource tables, the DDL) and how it completes a schema at start-up: the migrations' schema
 * must be exactly the one derived from the declarations, a declared type without a table gets
 * the derived one, and a stored field without a column gets it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { BackupServer, BackupTaskSession, Job, ReplicaJobSession } from '../src/model/all.js';
import { TYPES, type TypeDecl } from '../src/model/index.js';
import { closeGaps, createTable } from '../src/store/ddl.js';
import { describeGap, parentsFirst, referencesOf, RESOURCE_TABLES, schemaGaps, storedColumns } from '../src/store/schema.js';
import { compileRevisions, compileRowsById, compileSelect, SQLITE } from '../src/store/sql.js';
import { planOrder } from '../src/query/plan.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'emrest-schema-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A database with every migration applied, and its tables' columns. */
function migrated(migrations: readonly string[] = MIGRATIONS): { db: Database.Database; columnsOf: (table: string) => string[] | undefined } {
  const db = new Database(':memory:');
  for (const m of migrations) db.exec(m);
  return {
    db,
    columnsOf: (table) => {
      const columns = (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
      return columns.length ? columns : undefined;
    },
  };
}

describe('the migrations and the declarations', () => {
  test('every declared stored column is created by a migration', () => {
    const { db, columnsOf } = migrated();
    try {
      assert.deepEqual(schemaGaps(columnsOf), []);
    } finally {
      db.close();
    }
  });

  test('the migrated schema is the one derived from the declarations: columns, types, foreign keys, indexes', () => {
    const { db: fromMigrations } = migrated();
    const fromDeclarations = new Database(':memory:');
    try {
      for (const type of parentsFirst()) for (const sql of createTable(type, SQLITE)) fromDeclarations.exec(sql);
      for (const type of TYPES) assert.deepEqual(shape(fromDeclarations, type.table), shape(fromMigrations, type.table), type.name);
    } finally {
      fromMigrations.close();
      fromDeclarations.close();
    }
  });

  test('a stored field with no column is a gap, and opening the store adds the column', () => {
    const extra: TypeDecl = { ...Job, fields: [...Job.fields, { key: 'retention', kind: 'int', column: 'retention_days' }] };
    const { db, columnsOf } = migrated();
    try {
      assert.deepEqual(schemaGaps(columnsOf, [extra, BackupServer]).map(describeGap), ['jobs has no column retention_days (Job.retention)']);
      assert.deepEqual(schemaGaps(() => undefined, [BackupServer]).map(describeGap), ['no table backup_servers (BackupServer)']);
      const withoutRevisions = (table: string) => columnsOf(table)?.filter((c) => c !== 'rev');
      assert.deepEqual(schemaGaps(withoutRevisions, [BackupServer]).map(describeGap), ['backup_servers has no revision column']);
    } finally {
      db.close();
    }
    // A file whose schema lacks a declared column: opening adds it, the rows it holds get the kind's default.
    const path = join(root, 'old.db');
    const old = new Database(path);
    old.exec(MIGRATIONS.join(';\n') + ';\nALTER TABLE backup_task_sessions DROP COLUMN vm_uid;');
    old.pragma(`user_version = ${MIGRATIONS.length}`);
    old.exec(`INSERT INTO backup_servers (id, name) VALUES ('${GUID(1)}', 'vbr');
      INSERT INTO backup_job_sessions VALUES ('${GUID(2)}', '${GUID(1)}', '${GUID(3)}', 'j', 'j', 0, '2026-01-01T00:00:00Z', NULL, 5, 1, 100, NULL, 0, NULL);
      INSERT INTO backup_task_sessions VALUES ('${GUID(4)}', '${GUID(2)}', 'vm', 'vm', '2026-01-01T00:00:00Z', NULL, 2, 1, '', 7, NULL);`);
    old.close();
    const store = openSqliteStore(path);
    try {
      const inspect = new Database(path, { readonly: true });
      assert.equal((inspect.prepare('SELECT vm_uid FROM backup_task_sessions').get() as { vm_uid: string }).vm_uid, '');
      assert.equal(shape(inspect, 'backup_task_sessions').columns.find((c) => c.startsWith('vm_uid ')), 'vm_uid TEXT NOT NULL');
      inspect.close();
    } finally {
      void store.close();
    }
  });

  test('a declared type without a table gets the derived one: columns, foreign keys, id and declared indexes', () => {
    const proxy: TypeDecl = {
      ...BackupServer,
      name: 'Proxy', uidKind: 'Proxy', listElement: 'Proxies', collection: 'proxies',
      table: 'proxies', from: 'proxies t LEFT JOIN backup_servers bs ON bs.id = t.server_id',
      fields: [
        BackupServer.fields[0], { ...BackupServer.fields[1], uidKind: 'Proxy' } as TypeDecl['fields'][number],
        { key: 'capacity', kind: 'long', column: 'capacity', filter: ['Capacity'] },
        { key: 'kind', kind: 'enum', members: ['Windows', 'Linux'], column: 'kind', optional: true },
        { key: 'serverId', kind: 'uid', uidKind: 'BackupServer', column: 'server_id' },
        { key: 'serverName', kind: 'string', joined: 'bs.name' },
      ],
      indexes: [['name'], ['serverId', 'capacity']],
    };
    const { db, columnsOf } = migrated();
    try {
      const gaps = schemaGaps(columnsOf, [...TYPES, proxy]);
      assert.deepEqual(gaps.map(describeGap), ['no table proxies (Proxy)']);
      for (const { statements } of closeGaps(gaps, SQLITE)) for (const sql of statements) db.exec(sql);
      assert.deepEqual(shape(db, 'proxies'), {
        columns: ['capacity INTEGER NOT NULL', 'id TEXT NOT NULL', 'kind INTEGER', 'name TEXT NOT NULL', 'rev INTEGER', 'server_id TEXT NOT NULL'],
        foreignKeys: ['server_id → backup_servers.id'],
        uniqueId: true,
        indexes: ['name NOCASE', 'server_id BINARY, capacity BINARY'],
      });
    } finally {
      db.close();
    }
  });

  test('every table a type joins is reached through an index, never scanned per row (pages, their revisions, rows by id)', () => {
    const { db } = migrated();
    try {
      for (const type of TYPES) {
        const page = { type, order: planOrder(type), offset: 0, limit: 100 };
        const byId = { text: compileRowsById(type, SQLITE), params: ['[]'] };
        const planOf = ({ text, params }: { text: string; params: unknown[] }) =>
          (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...params) as { detail: string }[]).map((r) => r.detail);
        const steps = [compileSelect(page, SQLITE), compileRevisions(page, SQLITE), byId].flatMap(planOf);
        // The page's own table (t) is walked in order (or by the listed ids); each joined one must be searched by key.
        for (const step of steps.filter((d) => /^(SCAN|SEARCH) (?!t\b|p\b|json_each\b)/.test(d))) {
          assert.match(step, /^SEARCH \w+ USING (COVERING )?(INDEX|INTEGER PRIMARY KEY)/, `${type.name}: ${step}`);
          assert.doesNotMatch(step, /AUTOMATIC/, `${type.name}: ${step}`);
        }
        assert.match(planOf(byId)[0], /^SEARCH t USING (INDEX \w+|INTEGER PRIMARY KEY) \(id=\?\)/, `${type.name}: rows by id`);
      }
    } finally {
      db.close();
    }
  });

  test('the foreign keys of the migrated schema point from later tables to earlier ones in RESOURCE_TABLES', () => {
    const { db } = migrated();
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      assert.deepEqual(tables.filter((t) => !RESOURCE_TABLES.includes(t)).sort(), ['data_generation', 'meta', 'users'], 'every other table is a declared type\'s');
      for (const [i, table] of RESOURCE_TABLES.entries()) {
        for (const fk of db.pragma(`foreign_key_list(${table})`) as { table: string }[]) {
          assert.ok(RESOURCE_TABLES.indexOf(fk.table) < i, `${table} → ${fk.table}`);
        }
      }
    } finally {
      db.close();
    }
  });
});

const GUID = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

/** A table's schema in comparable form: columns (sorted) with type and nullability, foreign keys, id uniqueness, other indexes' keys. */
function shape(db: Database.Database, table: string) {
  const info = db.pragma(`table_info(${table})`) as { name: string; type: string; notnull: number; pk: number }[];
  const indexList = db.pragma(`index_list(${table})`) as { name: string; unique: number }[];
  const keys = (index: string) =>
    (db.pragma(`index_xinfo(${index})`) as { name: string | null; coll: string; key: number }[])
      .filter((k) => k.key === 1)
      .map((k) => `${k.name} ${k.coll}`);
  const idKey = (index: string) => keys(index).join() === 'id BINARY';
  return {
    columns: info.map((c) => `${c.name} ${c.type}${c.notnull || c.pk ? ' NOT NULL' : ''}`).sort(),
    foreignKeys: (db.pragma(`foreign_key_list(${table})`) as { from: string; table: string; to: string }[]).map((f) => `${f.from} → ${f.table}.${f.to}`).sort(),
    uniqueId: info.some((c) => c.pk === 1 && c.name === 'id') || indexList.some((i) => i.unique === 1 && idKey(i.name)),
    indexes: indexList.filter((i) => !(i.unique === 1 && idKey(i.name))).map((i) => keys(i.name).join(', ')).sort(),
  };
}

describe('derived from the declarations', () => {
  test('stored columns: the own table\'s, once each; joined and repeated ones are only read', () => {
    assert.deepEqual(storedColumns(BackupServer).map((c) => c.key), ['name', 'id', 'description', 'port', 'version']);
    const tasks = storedColumns(BackupTaskSession).map((c) => c.column);
    assert.ok(tasks.includes('vm_uid') && tasks.includes('session_id'));
    assert.ok(!storedColumns(BackupTaskSession).some((c) => ['jobName', 'serverId', 'sessionName'].includes(c.key)));
  });

  test('references and the order of the tables', () => {
    assert.deepEqual(referencesOf(ReplicaJobSession).map((r) => [r.column, r.target.name, r.enforced]), [['job_id', 'Job', false], ['server_id', 'BackupServer', true]]);
    assert.deepEqual(referencesOf(BackupServer), []);
    assert.deepEqual(new Set(RESOURCE_TABLES), new Set(TYPES.map((t) => t.table)), 'every declared type\'s table');
    for (const t of TYPES) {
      for (const r of referencesOf(t)) assert.ok(RESOURCE_TABLES.indexOf(r.target.table) < RESOURCE_TABLES.indexOf(t.table), `${t.name}.${r.key}`);
    }
    const loop: TypeDecl = { ...BackupServer, fields: [...BackupServer.fields, { key: 'jobId', kind: 'uid', uidKind: 'Job', column: 'job_id' }] };
    assert.throws(() => parentsFirst([Job, loop]), /lead back to it/);
  });
});
