-- The lineage store, .pipe/lineage.db (SQLite): schema version 5, as
-- `PRAGMA user_version` records it. engine/lineage.cpp applies the numbered
-- migrations that produce exactly this schema (a unit test checks that the
-- two agree). Guide: docs/lineage.md.
--
-- Records are append-only: pipe only ever INSERTs, and triggers refuse
-- UPDATE and DELETE. Each run's content is hashed (SHA-256) together with
-- the previous run's hash into `chain`, so `pipe audit verify` finds any
-- row changed or deleted behind pipe's back, even with the triggers dropped.

-- One `pipe repro` (or `pipe model bump`): who ran what, where, when, and how it ended.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_ns INTEGER NOT NULL,        -- wall clock, ns since the epoch
  ended_ns INTEGER NOT NULL,
  command TEXT NOT NULL,              -- JSON array of the command line
  user TEXT NOT NULL,
  host TEXT NOT NULL,
  pipe_version TEXT NOT NULL,
  exit_code INTEGER NOT NULL,
  environment_id INTEGER NOT NULL REFERENCES environments(id),
  code_id INTEGER NOT NULL REFERENCES code_states(id)
);

-- The machine and software a run saw; stored once per distinct value.
CREATE TABLE environments (
  id INTEGER PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,        -- XXH3-128 of content
  content TEXT NOT NULL               -- canonical JSON: os, libc, cpu, memory, gpu, interpreters, packages, env
);

-- The git state of the project; stored once per distinct value. `changed`
-- lists, as a JSON array of {"path", "digest"}, each file the run had that
-- git does not hold as committed (modified tracked files; untracked deps and
-- params files), "digest" naming the cache object that keeps it; or
-- {"path", "why"} when it was not kept (deleted, over 16 MiB).
CREATE TABLE code_states (
  id INTEGER PRIMARY KEY,
  digest TEXT NOT NULL UNIQUE,
  git_commit TEXT,                    -- NULL outside git
  branch TEXT,
  remote_url TEXT,                    -- with any user:password@ removed
  dirty INTEGER NOT NULL,             -- 1 when the work tree differed from HEAD
  diff_digest TEXT,                   -- SHA-256 of `git diff HEAD` when dirty (a comma here would break SQLite's DROP COLUMN)
  changed TEXT                        -- schema 4, dirty trees only: the files kept, as JSON, described above
);

-- One stage in one run (MLMD's Execution).
CREATE TABLE executions (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  stage TEXT NOT NULL,
  cmd TEXT NOT NULL,                  -- JSON array of the rendered commands
  status TEXT NOT NULL CHECK (status IN ('ran', 'cached', 'restored', 'failed')),
  started_ns INTEGER,                 -- NULL unless it ran
  ended_ns INTEGER,
  wall_seconds REAL,
  user_seconds REAL,                  -- CPU time of the stage's whole process tree (wait4)
  system_seconds REAL,
  max_rss_kb INTEGER,                 -- peak resident set of its largest process
  exit_code INTEGER,
  log_digest TEXT,                    -- XXH3-128 of its log
  executor TEXT                       -- schema 3: where it ran, JSON (a Slurm job: id, cluster, partition,
                                      -- nodes, requested resources, state, times, the node); NULL: locally
);

-- A file or directory with a given content (MLMD's Artifact).
CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  digest TEXT NOT NULL,
  size INTEGER NOT NULL,
  is_dir INTEGER NOT NULL,
  UNIQUE (path, digest)
);

-- Which execution read or wrote which artifact (MLMD's Event).
CREATE TABLE events (
  execution_id INTEGER NOT NULL REFERENCES executions(id),
  artifact_id INTEGER NOT NULL REFERENCES artifacts(id),
  kind TEXT NOT NULL CHECK (kind IN ('input', 'output')),
  role TEXT NOT NULL CHECK (role IN ('code', 'data', 'output')),
  PRIMARY KEY (execution_id, artifact_id, kind)
);

-- Every param value an execution used.
CREATE TABLE params (
  execution_id INTEGER NOT NULL REFERENCES executions(id),
  file TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,                -- canonical JSON
  PRIMARY KEY (execution_id, file, key)
);

-- Metrics read from the execution's metrics files, flattened to dotted keys.
CREATE TABLE metrics (
  execution_id INTEGER NOT NULL REFERENCES executions(id),
  file TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,                -- canonical JSON
  PRIMARY KEY (execution_id, file, key)
);

-- Model versions: registered when a run produces a model whose digest
-- differs from its latest version, or by `pipe model bump`.
CREATE TABLE model_versions (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  model TEXT NOT NULL,
  version TEXT NOT NULL,              -- MAJOR.MINOR.PATCH
  major INTEGER NOT NULL,
  minor INTEGER NOT NULL,
  patch INTEGER NOT NULL,
  path TEXT NOT NULL,
  digest TEXT NOT NULL,
  is_dir INTEGER NOT NULL,
  stage TEXT NOT NULL,                -- the stage that produced it
  bump TEXT NOT NULL CHECK (bump IN ('first', 'major', 'minor', 'patch')),
  reason TEXT NOT NULL,               -- why this bump: what changed against the previous version
  overridden INTEGER NOT NULL,        -- 1 when set by `pipe model bump`
  basis TEXT NOT NULL,                -- canonical JSON: the upstream data, code, params and environment
  UNIQUE (model, version)
);

-- The tamper-evident chain: one row per run, written last in its transaction.
CREATE TABLE chain (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  prev_hash TEXT NOT NULL,            -- the previous run's hash; 64 zeros for the first
  hash TEXT NOT NULL                  -- SHA-256 of prev_hash, a newline and the run's canonical content
);

-- Runs that came from another project's store through a remote (`pipe
-- fetch`), kept exactly as their source shared them: `uid` is the SHA-256
-- of prev, a newline and content, as in the source's chain, so they can be
-- checked and passed on unchanged. (Schema 2.)
CREATE TABLE imports (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id),
  uid TEXT NOT NULL UNIQUE,           -- the run's hash in its source's chain
  prev TEXT NOT NULL,                 -- the hash before it there
  content TEXT NOT NULL               -- the run's canonical content there
);

-- Governance events on model versions: promotions to a stage, rollbacks,
-- approvals, reproduction checks. A stage's holder at any time is the
-- replay of its events up to then, in the registry's order (docs/lineage.md:
-- parents first, then time, then uid). Rows are chained in the order this
-- store received them, like runs, in a chain of their own. (Schema 2;
-- approve, uid, parents and signature: schema 5.)
CREATE TABLE model_events (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  version TEXT NOT NULL,              -- the version the event is about (a rollback: the one it restores)
  stage TEXT,                         -- the stage it assigns or approves; NULL for a reproduction check
  action TEXT NOT NULL CHECK (action IN ('promote', 'rollback', 'approve', 'reproduce')),
  user TEXT NOT NULL,
  host TEXT NOT NULL,
  at_ns INTEGER NOT NULL,             -- wall clock, ns since the epoch
  reason TEXT NOT NULL,
  details TEXT NOT NULL,              -- canonical JSON: the gate results, or the reproduction's outcome
  policy_digest TEXT NOT NULL,        -- SHA-256 of the model's gates in force ('' when it has none)
  prev_hash TEXT NOT NULL,            -- the previous event's hash; 64 zeros for the first
  hash TEXT NOT NULL,                 -- SHA-256 of prev_hash, a newline and the event's canonical content
  signature TEXT NOT NULL,            -- an approval's DSSE envelope (canonical JSON); '' when unsigned
  parents TEXT NOT NULL,              -- JSON list of the uids its author's store held last (its heads)
  uid TEXT NOT NULL UNIQUE            -- SHA-256 of the event as shared (ModelEvent::shared_bytes)
);

-- What a remote (its URL, without credentials) is known to hold: records
-- this store pushed there or read from there, so a push sends only the
-- rest. Bookkeeping, not lineage: losing it costs a larger upload. (Schema 5.)
CREATE TABLE remote_records (
  remote TEXT NOT NULL,
  uid TEXT NOT NULL,                  -- a run's or a model event's uid
  PRIMARY KEY (remote, uid)
) WITHOUT ROWID;

-- The registry packs (lineage/packs/NAME) this store has read from each
-- remote, so a fetch reads only new ones. (Schema 5.)
CREATE TABLE remote_packs (
  remote TEXT NOT NULL,
  pack TEXT NOT NULL,
  PRIMARY KEY (remote, pack)
) WITHOUT ROWID;

CREATE INDEX executions_by_run ON executions(run_id);
CREATE INDEX events_by_artifact ON events(artifact_id);
CREATE INDEX model_versions_by_model ON model_versions(model, id);

CREATE TRIGGER runs_append_only_u BEFORE UPDATE ON runs BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER runs_append_only_d BEFORE DELETE ON runs BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER environments_append_only_u BEFORE UPDATE ON environments BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER environments_append_only_d BEFORE DELETE ON environments BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER code_states_append_only_u BEFORE UPDATE ON code_states BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER code_states_append_only_d BEFORE DELETE ON code_states BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER executions_append_only_u BEFORE UPDATE ON executions BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER executions_append_only_d BEFORE DELETE ON executions BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER artifacts_append_only_u BEFORE UPDATE ON artifacts BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER artifacts_append_only_d BEFORE DELETE ON artifacts BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER events_append_only_d BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER params_append_only_u BEFORE UPDATE ON params BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER params_append_only_d BEFORE DELETE ON params BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER metrics_append_only_u BEFORE UPDATE ON metrics BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER metrics_append_only_d BEFORE DELETE ON metrics BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER model_versions_append_only_u BEFORE UPDATE ON model_versions BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER model_versions_append_only_d BEFORE DELETE ON model_versions BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER chain_append_only_u BEFORE UPDATE ON chain BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER chain_append_only_d BEFORE DELETE ON chain BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER imports_append_only_u BEFORE UPDATE ON imports BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER imports_append_only_d BEFORE DELETE ON imports BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER model_events_append_only_u BEFORE UPDATE ON model_events BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
CREATE TRIGGER model_events_append_only_d BEFORE DELETE ON model_events BEGIN SELECT RAISE(ABORT, 'lineage records are append-only'); END;
