/**
 * The SQL the store compiles, text and parameters, per dialect: SQLite's, and PostgreSQL's
 * (numbered placeholders, lower() under the C collation, IS DISTINCT FROM), so the dialect hooks are
 * shown to be all that differs. Select lists are derived from the declarations here too, so
 * these texts pin what the compiler adds, not the declarations' field order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackupServer, BackupTaskSession, ReplicaJobSession } from '../src/model/all.js';
import type { TypeDecl } from '../src/model/index.js';
import type { QueryPlan } from '../src/query/plan.js';
import { plan } from './support/plans.js';
import { joinedAliases, readExpr, storedColumns } from '../src/store/schema.js';
import {
  compileCount, compileInsert, compileRevisions, compileRowsById, compileSelect, compileUpsert, POSTGRES, revisable, SQLITE, type Dialect,
} from '../src/store/sql.js';
import { TYPES } from '../src/model/index.js';


const DIALECTS = { sqlite: SQLITE, postgres: POSTGRES } as const;
type Texts = Record<keyof typeof DIALECTS, string>;

const selectList = (type: TypeDecl) => type.fields.map((f) => `${readExpr(f)} AS "${f.key}"`).join(', ');

interface Case {
  readonly what: string;
  readonly plan: QueryPlan;
  readonly select: Texts;
  readonly count: Texts;
  readonly selectParams: (string | number)[];
  readonly countParams: (string | number)[];
}

const RJS = selectList(ReplicaJobSession);
const RJS_FROM = ReplicaJobSession.from;
const RJS_ORDER = 't.creation_time ASC, t.id ASC';

const CASES: Case[] = [
  {
    what: 'a page of the default order, no filter: found by id on the own table, then joined',
    plan: plan(BackupServer, { offset: 20, limit: 10 }),
    select: {
      sqlite: `SELECT ${selectList(BackupServer)} FROM (SELECT t.rowid AS k FROM backup_servers t ORDER BY t.name COLLATE NOCASE ASC, t.id ASC LIMIT ? OFFSET ?) p CROSS JOIN backup_servers t WHERE t.rowid = p.k`,
      postgres: `SELECT ${selectList(BackupServer)} FROM (SELECT t.id AS k FROM backup_servers t ORDER BY lower(t.name) ASC, t.id ASC LIMIT $1 OFFSET $2) p CROSS JOIN backup_servers t WHERE t.id = p.k ORDER BY lower(t.name) ASC, t.id ASC`,
    },
    selectParams: [10, 20],
    count: { sqlite: 'SELECT COUNT(*) AS n FROM backup_servers t', postgres: 'SELECT COUNT(*) AS n FROM backup_servers t' },
    countParams: [],
  },
  {
    what: 'a filter on own columns (AND, OR, != on an optional field, stored forms bound)',
    plan: plan(ReplicaJobSession, { filter: 'Result==Failed;(EndTime!="2021-06-16 22:03:40",IsRetry==True)', limit: 100 }),
    select: {
      sqlite: `SELECT ${RJS} FROM (SELECT t.rowid AS k FROM replica_job_sessions t WHERE (t.result = ? AND ((t.end_time IS NULL OR t.end_time <> ?) OR t.is_retry = ?)) ORDER BY ${RJS_ORDER} LIMIT ? OFFSET ?) p CROSS JOIN ${RJS_FROM} WHERE t.rowid = p.k`,
      postgres: `SELECT ${RJS} FROM (SELECT t.id AS k FROM replica_job_sessions t WHERE (t.result = $1 AND ((t.end_time IS NULL OR t.end_time <> $2) OR t.is_retry = $3)) ORDER BY ${RJS_ORDER} LIMIT $4 OFFSET $5) p CROSS JOIN ${RJS_FROM} WHERE t.id = p.k ORDER BY ${RJS_ORDER}`,
    },
    selectParams: [3, '2021-06-16T22:03:40.0000000Z', 1, 100, 0],
    count: {
      sqlite: 'SELECT COUNT(*) AS n FROM replica_job_sessions t WHERE (t.result = ? AND ((t.end_time IS NULL OR t.end_time <> ?) OR t.is_retry = ?))',
      postgres: 'SELECT COUNT(*) AS n FROM replica_job_sessions t WHERE (t.result = $1 AND ((t.end_time IS NULL OR t.end_time <> $2) OR t.is_retry = $3))',
    },
    countParams: [3, '2021-06-16T22:03:40.0000000Z', 1],
  },
  {
    what: 'a filter on a joined column, sorted descending: the joins are kept',
    plan: plan(ReplicaJobSession, { filter: 'BackupServerName==Enterprise06', sort: { name: 'JobName', desc: true }, limit: 5 }),
    select: {
      sqlite: `SELECT ${RJS} FROM (SELECT t.rowid AS k FROM ${RJS_FROM} WHERE bs.name COLLATE NOCASE = ? ORDER BY t.job_name COLLATE NOCASE DESC, t.creation_time DESC, t.id DESC LIMIT ? OFFSET ?) p CROSS JOIN ${RJS_FROM} WHERE t.rowid = p.k`,
      postgres: `SELECT ${RJS} FROM (SELECT t.id AS k FROM ${RJS_FROM} WHERE lower(bs.name) = lower($1::text COLLATE "C") ORDER BY lower(t.job_name) DESC, t.creation_time DESC, t.id DESC LIMIT $2 OFFSET $3) p CROSS JOIN ${RJS_FROM} WHERE t.id = p.k ORDER BY lower(t.job_name) DESC, t.creation_time DESC, t.id DESC`,
    },
    selectParams: ['Enterprise06', 5, 0],
    count: {
      sqlite: `SELECT COUNT(*) AS n FROM ${RJS_FROM} WHERE bs.name COLLATE NOCASE = ?`,
      postgres: `SELECT COUNT(*) AS n FROM ${RJS_FROM} WHERE lower(bs.name) = lower($1::text COLLATE "C")`,
    },
    countParams: ['Enterprise06'],
  },
  {
    what: 'a sort on a joined column: the page needs the joins, the count does not',
    plan: plan(BackupTaskSession, { filter: 'TotalSize>1024', sort: { name: 'JobName', desc: false }, limit: 1 }),
    select: {
      sqlite: `SELECT ${selectList(BackupTaskSession)} FROM (SELECT t.rowid AS k FROM ${BackupTaskSession.from} WHERE t.total_size > ? ORDER BY s.job_name COLLATE NOCASE ASC, t.creation_time ASC, t.id ASC LIMIT ? OFFSET ?) p CROSS JOIN ${BackupTaskSession.from} WHERE t.rowid = p.k`,
      postgres: `SELECT ${selectList(BackupTaskSession)} FROM (SELECT t.id AS k FROM ${BackupTaskSession.from} WHERE t.total_size > $1 ORDER BY lower(s.job_name) ASC, t.creation_time ASC, t.id ASC LIMIT $2 OFFSET $3) p CROSS JOIN ${BackupTaskSession.from} WHERE t.id = p.k ORDER BY lower(s.job_name) ASC, t.creation_time ASC, t.id ASC`,
    },
    selectParams: [1024, 1, 0],
    count: {
      sqlite: 'SELECT COUNT(*) AS n FROM backup_task_sessions t WHERE t.total_size > ?',
      postgres: 'SELECT COUNT(*) AS n FROM backup_task_sessions t WHERE t.total_size > $1',
    },
    countParams: [1024],
  },
  {
    what: 'a page larger than a deferred join serves: read straight in order',
    plan: plan(ReplicaJobSession, { filter: 'Name=="a b"', offset: 2000, limit: 1001 }),
    select: {
      sqlite: `SELECT ${RJS} FROM ${RJS_FROM} WHERE t.name COLLATE NOCASE = ? ORDER BY ${RJS_ORDER} LIMIT ? OFFSET ?`,
      postgres: `SELECT ${RJS} FROM ${RJS_FROM} WHERE lower(t.name) = lower($1::text COLLATE "C") ORDER BY ${RJS_ORDER} LIMIT $2 OFFSET $3`,
    },
    selectParams: ['a b', 1001, 2000],
    count: {
      sqlite: 'SELECT COUNT(*) AS n FROM replica_job_sessions t WHERE t.name COLLATE NOCASE = ?',
      postgres: 'SELECT COUNT(*) AS n FROM replica_job_sessions t WHERE lower(t.name) = lower($1::text COLLATE "C")',
    },
    countParams: ['a b'],
  },
  {
    what: 'every row (no page)',
    plan: plan(ReplicaJobSession),
    select: { sqlite: `SELECT ${RJS} FROM ${RJS_FROM} ORDER BY ${RJS_ORDER}`, postgres: `SELECT ${RJS} FROM ${RJS_FROM} ORDER BY ${RJS_ORDER}` },
    selectParams: [],
    count: { sqlite: 'SELECT COUNT(*) AS n FROM replica_job_sessions t', postgres: 'SELECT COUNT(*) AS n FROM replica_job_sessions t' },
    countParams: [],
  },
];

describe('compiled reads', () => {
  for (const c of CASES) {
    for (const [name, dialect] of Object.entries(DIALECTS) as [keyof typeof DIALECTS, Dialect][]) {
      test(`${name}: ${c.what}`, () => {
        assert.deepEqual(compileSelect(c.plan, dialect), { text: c.select[name], params: c.selectParams });
        assert.deepEqual(compileCount(c.plan, dialect), { text: c.count[name], params: c.countParams });
      });
    }
  }
});

describe('pages by revision', () => {
  test('the joined rows a row depends on: the top-level aliases of its FROM clause, not a subquery\'s', () => {
    assert.deepEqual(joinedAliases(BackupServer), []);
    assert.deepEqual(joinedAliases(ReplicaJobSession), ['bs']);
    assert.deepEqual(joinedAliases(BackupTaskSession), ['s', 'bs', 'vrp']);
    for (const type of TYPES) assert.notEqual(joinedAliases(type), null, `${type.name}: a joined field reads something other than a joined row's column`);
    const computed: TypeDecl = { ...BackupServer, fields: [...BackupServer.fields, { key: 'jobs', kind: 'int', joined: '(SELECT COUNT(*) FROM jobs j WHERE j.server_id = t.id)' }] };
    assert.equal(joinedAliases(computed), null);
    assert.equal(revisable(plan(computed, { limit: 10 })), false);
  });

  test('only pages found by id first are read by revision', () => {
    assert.equal(revisable(plan(ReplicaJobSession, { limit: 100 })), true);
    assert.equal(revisable(plan(ReplicaJobSession, { limit: 1001 })), false);
    assert.equal(revisable(plan(ReplicaJobSession)), false);
    assert.throws(() => compileRevisions(plan(ReplicaJobSession), SQLITE));
  });

  const texts: Texts = {
    sqlite: `SELECT t.id, t.rev, bs.id, bs.rev FROM (SELECT t.rowid AS k FROM replica_job_sessions t WHERE t.result = ? ORDER BY ${RJS_ORDER} LIMIT ? OFFSET ?) p CROSS JOIN ${RJS_FROM} WHERE t.rowid = p.k`,
    postgres: `SELECT t.id, t.rev, bs.id, bs.rev FROM (SELECT t.id AS k FROM replica_job_sessions t WHERE t.result = $1 ORDER BY ${RJS_ORDER} LIMIT $2 OFFSET $3) p CROSS JOIN ${RJS_FROM} WHERE t.id = p.k ORDER BY ${RJS_ORDER}`,
  };
  const byId: Texts = {
    sqlite: `SELECT ${RJS} FROM ${RJS_FROM} WHERE t.id IN (SELECT value FROM json_each(?))`,
    postgres: `SELECT ${RJS} FROM ${RJS_FROM} WHERE t.id IN (SELECT unnest($1::text[]))`,
  };
  for (const [name, dialect] of Object.entries(DIALECTS) as [keyof typeof DIALECTS, Dialect][]) {
    test(`${name}: a page's revisions in the page's order, and rows by a list of ids`, () => {
      const p = plan(ReplicaJobSession, { filter: 'Result==Failed', offset: 5, limit: 10 });
      assert.deepEqual(compileRevisions(p, dialect), { text: texts[name], params: [3, 10, 5] });
      assert.equal(compileRowsById(ReplicaJobSession, dialect), byId[name]);
    });
  }
});

describe('compiled writes', () => {
  const columns = storedColumns(BackupServer).map((c) => c.column);

  test('the stored columns of a type: its own table\'s, once each', () => {
    assert.deepEqual(columns, ['name', 'id', 'description', 'port', 'version']);
  });

  const upserts: Texts = {
    sqlite: 'INSERT INTO backup_servers (name, id, description, port, version, rev) VALUES (?, ?, ?, ?, ?, random()) ' +
      'ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, port = excluded.port, version = excluded.version, rev = random() ' +
      'WHERE backup_servers.name IS NOT excluded.name OR backup_servers.description IS NOT excluded.description OR ' +
      'backup_servers.port IS NOT excluded.port OR backup_servers.version IS NOT excluded.version',
    postgres: 'INSERT INTO backup_servers (name, id, description, port, version, rev) VALUES ($1, $2, $3, $4, $5, DEFAULT) ' +
      'ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, port = excluded.port, version = excluded.version, rev = DEFAULT ' +
      'WHERE backup_servers.name IS DISTINCT FROM excluded.name OR backup_servers.description IS DISTINCT FROM excluded.description OR ' +
      'backup_servers.port IS DISTINCT FROM excluded.port OR backup_servers.version IS DISTINCT FROM excluded.version',
  };
  const inserts: Texts = {
    sqlite: 'INSERT INTO backup_servers (name, id, description, port, version, rev) VALUES (?, ?, ?, ?, ?, random()), (?, ?, ?, ?, ?, random()) ON CONFLICT (id) DO NOTHING',
    postgres: 'INSERT INTO backup_servers (name, id, description, port, version, rev) VALUES ($1, $2, $3, $4, $5, DEFAULT), ($6, $7, $8, $9, $10, DEFAULT) ON CONFLICT (id) DO NOTHING',
  };
  const users: Texts = {
    sqlite: 'INSERT INTO users (name, password_hash, role) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role',
    postgres: 'INSERT INTO users (name, password_hash, role) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role',
  };

  for (const [name, dialect] of Object.entries(DIALECTS) as [keyof typeof DIALECTS, Dialect][]) {
    test(`${name}: upsert by id that changes only what differs; multi-row insert, each row a new revision; user upsert`, () => {
      assert.equal(compileUpsert('backup_servers', columns, 'id', dialect, { revised: true, changedOnly: true }), upserts[name]);
      assert.equal(compileInsert('backup_servers', columns, 2, dialect, { revised: true, skipKey: 'id' }), inserts[name]);
      assert.equal(compileInsert('backup_servers', columns, 1, dialect, { revised: true }), inserts[name].replace(/\), \(.*$/, ')'));
      assert.equal(compileUpsert('users', ['name', 'password_hash', 'role'], 'name', dialect), users[name]);
    });
  }
});
