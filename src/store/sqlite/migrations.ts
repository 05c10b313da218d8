/**
 * Schema migrations, applied in order; PRAGMA user_version records how many have run.
 * Never edit a released migration: append a new one.
 */
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

  CREATE TABLE replica_job_sessions (
    id TEXT PRIMARY KEY, server_id TEXT NOT NULL REFERENCES backup_servers (id),
    job_id TEXT NOT NULL, name TEXT NOT NULL, job_name TEXT NOT NULL, job_type INTEGER NOT NULL,
    creation_time TEXT NOT NULL, end_time TEXT, state INTEGER NOT NULL, result INTEGER NOT NULL,
    progress INTEGER NOT NULL, failure_message TEXT, is_retry INTEGER NOT NULL
  );
  CREATE INDEX rjs_creation ON replica_job_sessions (creation_time, id);
  CREATE INDEX rjs_end ON replica_job_sessions (end_time, creation_time, id);
  CREATE INDEX rjs_server ON replica_job_sessions (server_id, creation_time, id);
  CREATE INDEX rjs_job ON replica_job_sessions (job_id, creation_time, id);
  CREATE INDEX rjs_job_name ON replica_job_sessions (job_name COLLATE NOCASE, creation_time, id);
  CREATE INDEX rjs_name ON replica_job_sessions (name COLLATE NOCASE);
  CREATE INDEX rjs_job_type ON replica_job_sessions (job_type);
  CREATE INDEX rjs_state ON replica_job_sessions (state, creation_time, id);
  CREATE INDEX rjs_result ON replica_job_sessions (result, creation_time, id);
  CREATE INDEX rjs_is_retry ON replica_job_sessions (is_retry);

  CREATE TABLE replica_task_sessions (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES replica_job_sessions (id),
    name TEXT NOT NULL, vm_display_name TEXT NOT NULL, creation_time TEXT NOT NULL,
    end_time TEXT, state INTEGER NOT NULL, result INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '', total_size INTEGER NOT NULL
  );
  CREATE INDEX rts_session ON replica_task_sessions (session_id, creation_time, id);
  CREATE INDEX rts_creation ON replica_task_sessions (creation_time, id);
  CREATE INDEX rts_end ON replica_task_sessions (end_time);
  CREATE INDEX rts_name ON replica_task_sessions (name COLLATE NOCASE);
  CREATE INDEX rts_vm ON replica_task_sessions (vm_display_name COLLATE NOCASE);
  CREATE INDEX rts_state ON replica_task_sessions (state);
  CREATE INDEX rts_result ON replica_task_sessions (result);
  CREATE INDEX rts_reason ON replica_task_sessions (reason COLLATE NOCASE);
  CREATE INDEX rts_total_size ON replica_task_sessions (total_size);

  CREATE TABLE users (
    name TEXT PRIMARY KEY COLLATE NOCASE, password_hash TEXT NOT NULL, role TEXT NOT NULL
  );
  CREATE TABLE logon_sessions (
    id TEXT PRIMARY KEY, user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL
  );
  CREATE INDEX logon_sessions_last_seen ON logon_sessions (last_seen);
  `,
  `
  CREATE TABLE backup_job_sessions (
    id TEXT PRIMARY KEY, server_id TEXT NOT NULL REFERENCES backup_servers (id),
    job_id TEXT NOT NULL, name TEXT NOT NULL, job_name TEXT NOT NULL, job_type INTEGER NOT NULL,
    creation_time TEXT NOT NULL, end_time TEXT, state INTEGER NOT NULL, result INTEGER NOT NULL,
    progress INTEGER NOT NULL, failure_message TEXT, is_retry INTEGER NOT NULL
  );
  CREATE INDEX bjs_creation ON backup_job_sessions (creation_time, id);
  CREATE INDEX bjs_end ON backup_job_sessions (end_time, creation_time, id);
  CREATE INDEX bjs_server ON backup_job_sessions (server_id, creation_time, id);
  CREATE INDEX bjs_job ON backup_job_sessions (job_id, creation_time, id);
  CREATE INDEX bjs_job_name ON backup_job_sessions (job_name COLLATE NOCASE, creation_time, id);
  CREATE INDEX bjs_name ON backup_job_sessions (name COLLATE NOCASE);
  CREATE INDEX bjs_job_type ON backup_job_sessions (job_type);
  CREATE INDEX bjs_state ON backup_job_sessions (state, creation_time, id);
  CREATE INDEX bjs_result ON backup_job_sessions (result, creation_time, id);
  CREATE INDEX bjs_is_retry ON backup_job_sessions (is_retry);

  CREATE TABLE backup_task_sessions (
    id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES backup_job_sessions (id),
    name TEXT NOT NULL, vm_display_name TEXT NOT NULL, creation_time TEXT NOT NULL,
    end_time TEXT, state INTEGER NOT NULL, result INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '', total_size INTEGER NOT NULL, vm_uid TEXT NOT NULL DEFAULT ''
  );
  CREATE INDEX bts_session ON backup_task_sessions (session_id, creation_time, id);
  CREATE INDEX bts_creation ON backup_task_sessions (creation_time, id);
  CREATE INDEX bts_end ON backup_task_sessions (end_time);
  CREATE INDEX bts_name ON backup_task_sessions (name COLLATE NOCASE);
  CREATE INDEX bts_vm ON backup_task_sessions (vm_display_name COLLATE NOCASE);
  CREATE INDEX bts_state ON backup_task_sessions (state);
  CREATE INDEX bts_result ON backup_task_sessions (result);
  CREATE INDEX bts_reason ON backup_task_sessions (reason COLLATE NOCASE);
  CREATE INDEX bts_total_size ON backup_task_sessions (total_size);
  `,
  `
  CREATE TABLE data_generation (generation INTEGER NOT NULL);
  INSERT INTO data_generation (generation) VALUES (0);
  `,
  `
  CREATE INDEX rjs_job_name_end ON replica_job_sessions (job_name COLLATE NOCASE, end_time);
  CREATE INDEX bjs_job_name_end ON backup_job_sessions (job_name COLLATE NOCASE, end_time);
  CREATE INDEX rjs_server_end ON replica_job_sessions (server_id, end_time);
  CREATE INDEX bjs_server_end ON backup_job_sessions (server_id, end_time);
  `,
];
