/**
 * What the store derives from the declarations (stored columns, references, the order of the
 * resource tables) and the start-up check that the migrated schema holds every declared
 * column: a declaration that gains a column no migration creates fails here, and a store
 * refuses to open on such a schema.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { BackupServer, BackupTaskSession, Job, ReplicaJobSession } from '../src/model/all.js';
import { TYPES, type TypeDecl } from '../src/model/index.js';
import { parentsFirst, referencesOf, RESOURCE_TABLES, schemaGaps, storedColumns } from '../src/store/schema.js';
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

  test('a declaration with a column no migration creates is a gap, and a store does not open on it', () => {
    const extra: TypeDecl = { ...Job, fields: [...Job.fields, { key: 'retention', kind: 'int', column: 't.retention_days' }] };
    const { db, columnsOf } = migrated();
    try {
      assert.deepEqual(schemaGaps(columnsOf, [extra, BackupServer]), ['jobs has no column retention_days (Job.retention)']);
      assert.deepEqual(schemaGaps(() => undefined, [BackupServer]), ['no table backup_servers (BackupServer)']);
    } finally {
      db.close();
    }
    // A file whose schema lacks a declared column: opening it fails and says what is missing.
    const path = join(root, 'old.db');
    const old = new Database(path);
    old.exec(MIGRATIONS.join(';\n') + ';\nALTER TABLE backup_task_sessions DROP COLUMN vm_uid;');
    old.pragma(`user_version = ${MIGRATIONS.length}`);
    old.close();
    assert.throws(() => openSqliteStore(path), /schema does not match the declarations.*backup_task_sessions has no column vm_uid \(BackupTaskSession\.vmUid\)/);
  });

  test('the foreign keys of the migrated schema point from later tables to earlier ones in RESOURCE_TABLES', () => {
    const { db } = migrated();
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      assert.deepEqual(tables.filter((t) => !RESOURCE_TABLES.includes(t)).sort(), ['data_generation', 'users'], 'every other table is a declared type\'s');
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

describe('derived from the declarations', () => {
  test('stored columns: the own table\'s, once each; joined and repeated ones are only read', () => {
    assert.deepEqual(storedColumns(BackupServer).map((c) => c.key), ['name', 'id', 'description', 'port', 'version']);
    const tasks = storedColumns(BackupTaskSession).map((c) => c.column);
    assert.ok(tasks.includes('vm_uid') && tasks.includes('session_id'));
    assert.ok(!storedColumns(BackupTaskSession).some((c) => ['jobName', 'serverId', 'sessionName'].includes(c.key)));
  });

  test('references and the order of the tables', () => {
    assert.deepEqual(referencesOf(ReplicaJobSession).map((r) => [r.column, r.target.name]), [['job_id', 'Job'], ['server_id', 'BackupServer']]);
    assert.deepEqual(referencesOf(BackupServer), []);
    assert.deepEqual(new Set(RESOURCE_TABLES), new Set(TYPES.map((t) => t.table)), 'every declared type\'s table');
    for (const t of TYPES) {
      for (const r of referencesOf(t)) assert.ok(RESOURCE_TABLES.indexOf(r.target.table) < RESOURCE_TABLES.indexOf(t.table), `${t.name}.${r.key}`);
    }
    const loop: TypeDecl = { ...BackupServer, fields: [...BackupServer.fields, { key: 'jobId', kind: 'uid', uidKind: 'Job', column: 't.job_id' }] };
    assert.throws(() => parentsFirst([Job, loop]), /lead back to it/);
  });
});
