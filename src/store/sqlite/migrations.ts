/**
 * Schema migrations, applied in order; PRAGMA user_version records how many have run.
 * Never edit a released migration (nor the table builders it uses): append a new one. The
 * store checks at start-up that the result has every column the declarations store.
 */

/**
 * A job-session table (replica or backup) with an index for every selective filter and common
 * sort. The id has a unique index of its own rather than being the primary key, so a load
 * into a new file can build it once at the end (see `SqliteOptions.loading`).
 */
const jobSessionTable = (table: string, p: string) => `
  CREATE TABLE ${table} (
    id TEXT NOT NULL, server_id TEXT NOT NULL REFERENCES backup_servers (id),
    job_id TEXT NOT NULL, name TEXT NOT NULL, job_name TEXT NOT NULL, job_type INTEGER NOT NULL,
    creation_time TEXT NOT NULL, end_time TEXT, state INTEGER NOT NULL, result INTEGER NOT NULL,
    progress INTEGER NOT NULL, failure_message TEXT, is_retry INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX ${p}_id ON ${table} (id);
  -- Result and end time ride along so "recent failures, newest first" is answered from the
  -- index alone (the planner picks the creation-time range; without them it read every row).
  CREATE INDEX ${p}_creation ON ${table} (creation_time, id, result, end_time);
  CREATE INDEX ${p}_end ON ${table} (end_time, creation_time, id);
  CREATE INDEX ${p}_server ON ${table} (server_id, creation_time, id);
  CREATE INDEX ${p}_server_end ON ${table} (server_id, end_time);
  CREATE INDEX ${p}_job ON ${table} (job_id, creation_time, id);
  CREATE INDEX ${p}_job_name ON ${table} (job_name COLLATE NOCASE, creation_time, id);
  CREATE INDEX ${p}_job_name_end ON ${table} (job_name COLLATE NOCASE, end_time);
  CREATE INDEX ${p}_name ON ${table} (name COLLATE NOCASE);
  CREATE INDEX ${p}_state ON ${table} (state, creation_time, id);
  CREATE INDEX ${p}_result ON ${table} (result, creation_time, id);
`;

/**
 * A task-session table: one VM's part of a session of `sessions`. Four to five times as many
 * rows as sessions, so fewer and narrower indexes: state and result ride on the creation-time
 * index, which the 30-day window and the default sort use anyway; a session's few tasks are
 * sorted when read; size filters and sorts scan.
 */
const taskSessionTable = (table: string, p: string, sessions: string, extraColumns = '') => `
  CREATE TABLE ${table} (
    id TEXT NOT NULL, session_id TEXT NOT NULL REFERENCES ${sessions} (id),
    name TEXT NOT NULL, vm_display_name TEXT NOT NULL, creation_time TEXT NOT NULL,
    end_time TEXT, state INTEGER NOT NULL, result INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '', total_size INTEGER NOT NULL${extraColumns}
  );
  CREATE UNIQUE INDEX ${p}_id ON ${table} (id);
  CREATE INDEX ${p}_session ON ${table} (session_id);
  CREATE INDEX ${p}_creation ON ${table} (creation_time, id, result, state);
  CREATE INDEX ${p}_end ON ${table} (end_time);
  CREATE INDEX ${p}_name ON ${table} (name COLLATE NOCASE);
  CREATE INDEX ${p}_vm ON ${table} (vm_display_name COLLATE NOCASE);
  CREATE INDEX ${p}_reason ON ${table} (reason COLLATE NOCASE);
`;

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE backup_servers (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    port INTEGER NOT NULL DEFAULT 9392, version TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX backup_servers_name ON backup_servers (name COLLATE NOCASE, id);
  CREATE INDEX backup_servers_description ON backup_servers (description COLLATE NOCASE);
  CREATE INDEX backup_servers_port ON backup_servers (port);
  CREATE INDEX backup_servers_version ON backup_servers (version COLLATE NOCASE);

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY, server_id TEXT NOT NULL REFERENCES backup_servers (id),
    name TEXT NOT NULL, job_type INTEGER NOT NULL, platform INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '', schedule_configured INTEGER NOT NULL,
    schedule_enabled INTEGER NOT NULL, next_run TEXT
  );
  CREATE INDEX jobs_name ON jobs (name COLLATE NOCASE, id);
  CREATE INDEX jobs_server ON jobs (server_id);
  CREATE INDEX jobs_job_type ON jobs (job_type);
  CREATE INDEX jobs_platform ON jobs (platform);
  CREATE INDEX jobs_description ON jobs (description COLLATE NOCASE);
  CREATE INDEX jobs_next_run ON jobs (next_run);
  ${jobSessionTable('replica_job_sessions', 'rjs')}
  ${taskSessionTable('replica_task_sessions', 'rts', 'replica_job_sessions')}
  ${jobSessionTable('backup_job_sessions', 'bjs')}
  ${taskSessionTable('backup_task_sessions', 'bts', 'backup_job_sessions', ", vm_uid TEXT NOT NULL DEFAULT ''")}

  CREATE TABLE users (
    name TEXT PRIMARY KEY COLLATE NOCASE, password_hash TEXT NOT NULL, role TEXT NOT NULL
  );

  -- Bumped by every committed data write, whichever process makes it: caches key on it.
  CREATE TABLE data_generation (generation INTEGER NOT NULL);
  INSERT INTO data_generation (generation) VALUES (0);
  `,
  // Logon sessions live in a file of their own (LOGON_MIGRATIONS), so a long data write never holds up a logon.
  'DROP TABLE IF EXISTS logon_sessions',
  // One data generation per resource table (see `sqlite/generations.ts`): a write moves only
  // the tables it changed, so a cached answer survives writes to tables it does not read. Every
  // table there is starts from the single generation it had; a table without a row is at 0.
  `
  CREATE TABLE table_generations (resource_table TEXT PRIMARY KEY, generation INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO table_generations (resource_table, generation)
    SELECT name, (SELECT generation FROM data_generation) FROM sqlite_master
    WHERE type = 'table' AND name NOT IN ('users', 'data_generation', 'table_generations') AND name NOT LIKE 'sqlite%';
  DROP TABLE data_generation;
  ALTER TABLE table_generations RENAME TO data_generation;
  `,
  // Facts about the data that are no resource's rows (what the live estate was seeded from, how far it ran).
  'CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)',
  // The rest of the EM surface (issue 15): agent and file-share jobs, protection groups and
  // their computers, repositories, and the backup chain (backups, restore points, backup files,
  // VM restore points). Each table as the declarations derive it (store/ddl.ts); their data
  // generations start at 0 (no row) until their first write.
  `
  CREATE TABLE agent_backup_jobs (name TEXT NOT NULL, id TEXT NOT NULL, job_type INTEGER NOT NULL, platform INTEGER NOT NULL, description TEXT NOT NULL, schedule_configured INTEGER NOT NULL, schedule_enabled INTEGER NOT NULL, next_run TEXT, server_id TEXT NOT NULL REFERENCES backup_servers (id));
  CREATE UNIQUE INDEX agent_backup_jobs__id ON agent_backup_jobs (id);
  CREATE INDEX agent_backup_jobs__name_id ON agent_backup_jobs (name COLLATE NOCASE, id);
  CREATE INDEX agent_backup_jobs__server_id ON agent_backup_jobs (server_id);
  CREATE INDEX agent_backup_jobs__description ON agent_backup_jobs (description COLLATE NOCASE);
  CREATE INDEX agent_backup_jobs__next_run ON agent_backup_jobs (next_run);
  CREATE INDEX agent_backup_jobs__platform ON agent_backup_jobs (platform);

  CREATE TABLE nas_jobs (name TEXT NOT NULL, id TEXT NOT NULL, description TEXT NOT NULL, schedule_configured INTEGER NOT NULL, schedule_enabled INTEGER NOT NULL, next_run TEXT, server_id TEXT NOT NULL REFERENCES backup_servers (id));
  CREATE UNIQUE INDEX nas_jobs__id ON nas_jobs (id);
  CREATE INDEX nas_jobs__name_id ON nas_jobs (name COLLATE NOCASE, id);
  CREATE INDEX nas_jobs__server_id ON nas_jobs (server_id);
  CREATE INDEX nas_jobs__description ON nas_jobs (description COLLATE NOCASE);
  CREATE INDEX nas_jobs__next_run ON nas_jobs (next_run);

  CREATE TABLE agent_protection_groups (name TEXT NOT NULL, id TEXT NOT NULL, rescan_schedule_enabled INTEGER NOT NULL, hierarchy_obj_ref TEXT NOT NULL, server_id TEXT NOT NULL REFERENCES backup_servers (id));
  CREATE UNIQUE INDEX agent_protection_groups__id ON agent_protection_groups (id);
  CREATE INDEX agent_protection_groups__name_id ON agent_protection_groups (name COLLATE NOCASE, id);
  CREATE INDEX agent_protection_groups__server_id ON agent_protection_groups (server_id);

  CREATE TABLE discovered_computers (name TEXT NOT NULL, id TEXT NOT NULL, host_status INTEGER NOT NULL, agent_version TEXT NOT NULL, agent_status INTEGER NOT NULL, os_version TEXT NOT NULL, ip_address TEXT NOT NULL, hierarchy_obj_ref TEXT NOT NULL, protection_group_id TEXT NOT NULL REFERENCES agent_protection_groups (id), server_id TEXT NOT NULL REFERENCES backup_servers (id));
  CREATE UNIQUE INDEX discovered_computers__id ON discovered_computers (id);
  CREATE INDEX discovered_computers__name_id ON discovered_computers (name COLLATE NOCASE, id);
  CREATE INDEX discovered_computers__server_id ON discovered_computers (server_id);
  CREATE INDEX discovered_computers__protection_group_id ON discovered_computers (protection_group_id);
  CREATE INDEX discovered_computers__agent_status ON discovered_computers (agent_status);
  CREATE INDEX discovered_computers__ip_address ON discovered_computers (ip_address COLLATE NOCASE);

  CREATE TABLE repositories (name TEXT NOT NULL, id TEXT NOT NULL, capacity INTEGER NOT NULL, free_space INTEGER NOT NULL, kind INTEGER NOT NULL, server_id TEXT NOT NULL REFERENCES backup_servers (id));
  CREATE UNIQUE INDEX repositories__id ON repositories (id);
  CREATE INDEX repositories__name_id ON repositories (name COLLATE NOCASE, id);
  CREATE INDEX repositories__server_id ON repositories (server_id);

  CREATE TABLE backups (name TEXT NOT NULL, id TEXT NOT NULL, platform INTEGER NOT NULL, server_id TEXT NOT NULL REFERENCES backup_servers (id), repository_id TEXT NOT NULL REFERENCES repositories (id), job_id TEXT);
  CREATE UNIQUE INDEX backups__id ON backups (id);
  CREATE INDEX backups__name_id ON backups (name COLLATE NOCASE, id);
  CREATE INDEX backups__server_id ON backups (server_id);
  CREATE INDEX backups__repository_id ON backups (repository_id);
  CREATE INDEX backups__job_id ON backups (job_id);

  CREATE TABLE restore_points (name TEXT NOT NULL, id TEXT NOT NULL, backup_date TEXT NOT NULL, backup_id TEXT NOT NULL REFERENCES backups (id), session_id TEXT);
  CREATE UNIQUE INDEX restore_points__id ON restore_points (id);
  CREATE INDEX restore_points__backup_date_id ON restore_points (backup_date, id);
  CREATE INDEX restore_points__backup_id_backup_date ON restore_points (backup_id, backup_date);
  CREATE INDEX restore_points__session_id ON restore_points (session_id);
  CREATE INDEX restore_points__name ON restore_points (name COLLATE NOCASE);

  CREATE TABLE backup_files (name TEXT NOT NULL, id TEXT NOT NULL, file_path TEXT NOT NULL, backup_size INTEGER NOT NULL, data_size INTEGER NOT NULL, creation_time TEXT NOT NULL, file_type INTEGER NOT NULL, backup_id TEXT NOT NULL REFERENCES backups (id));
  CREATE UNIQUE INDEX backup_files__id ON backup_files (id);
  CREATE INDEX backup_files__creation_time_id ON backup_files (creation_time, id);
  CREATE INDEX backup_files__backup_id_creation_time ON backup_files (backup_id, creation_time);
  CREATE INDEX backup_files__name ON backup_files (name COLLATE NOCASE);
  CREATE INDEX backup_files__backup_size ON backup_files (backup_size);

  CREATE TABLE vm_restore_points (name TEXT NOT NULL, id TEXT NOT NULL, vm_display_name TEXT NOT NULL, creation_time TEXT NOT NULL, vm_name TEXT NOT NULL, algorithm INTEGER NOT NULL, point_type INTEGER NOT NULL, hierarchy_obj_ref TEXT NOT NULL, restore_point_id TEXT NOT NULL REFERENCES restore_points (id), backup_file_id TEXT NOT NULL REFERENCES backup_files (id));
  CREATE UNIQUE INDEX vm_restore_points__id ON vm_restore_points (id);
  CREATE INDEX vm_restore_points__creation_time_id ON vm_restore_points (creation_time, id);
  CREATE INDEX vm_restore_points__restore_point_id ON vm_restore_points (restore_point_id);
  CREATE INDEX vm_restore_points__backup_file_id ON vm_restore_points (backup_file_id);
  CREATE INDEX vm_restore_points__vm_name ON vm_restore_points (vm_name COLLATE NOCASE);
  CREATE INDEX vm_restore_points__vm_display_name ON vm_restore_points (vm_display_name COLLATE NOCASE);
  CREATE INDEX vm_restore_points__name ON vm_restore_points (name COLLATE NOCASE);
  `,
  // A server's sessions of one result in time order (JOB_SESSION_INDEXES).
  `
  CREATE INDEX rjs_server_result ON replica_job_sessions (server_id, result, creation_time, id);
  CREATE INDEX bjs_server_result ON backup_job_sessions (server_id, result, creation_time, id);
  `,
  // A backup task's VM restore point, joined by name as stored (VmRestorePoint.exactIndexes).
  `
  CREATE INDEX vm_restore_points__name__exact ON vm_restore_points (name);
  `,
  // Every row's revision (REVISION_COLUMN): NULL for the rows held now, set by each later write.
  `
  ALTER TABLE backup_servers ADD COLUMN rev INTEGER;
  ALTER TABLE jobs ADD COLUMN rev INTEGER;
  ALTER TABLE agent_backup_jobs ADD COLUMN rev INTEGER;
  ALTER TABLE nas_jobs ADD COLUMN rev INTEGER;
  ALTER TABLE backup_job_sessions ADD COLUMN rev INTEGER;
  ALTER TABLE backup_task_sessions ADD COLUMN rev INTEGER;
  ALTER TABLE replica_job_sessions ADD COLUMN rev INTEGER;
  ALTER TABLE replica_task_sessions ADD COLUMN rev INTEGER;
  ALTER TABLE agent_protection_groups ADD COLUMN rev INTEGER;
  ALTER TABLE discovered_computers ADD COLUMN rev INTEGER;
  ALTER TABLE repositories ADD COLUMN rev INTEGER;
  ALTER TABLE backups ADD COLUMN rev INTEGER;
  ALTER TABLE restore_points ADD COLUMN rev INTEGER;
  ALTER TABLE backup_files ADD COLUMN rev INTEGER;
  ALTER TABLE vm_restore_points ADD COLUMN rev INTEGER;
  `,
];

/** The logon-session file beside the data (see `logonsPath`): its writes never wait for a data write. */
export const LOGON_MIGRATIONS = [
  `
  CREATE TABLE logon_sessions (
    id TEXT PRIMARY KEY, user_name TEXT NOT NULL COLLATE NOCASE,
    created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL
  );
  CREATE INDEX logon_sessions_last_seen ON logon_sessions (last_seen);
  CREATE INDEX logon_sessions_user ON logon_sessions (user_name, last_seen);
  `,
];
