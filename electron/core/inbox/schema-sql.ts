/**
 * The inbox database's versioned migrations. `PRAGMA user_version` holds how many have run; each
 * runs once, in order, in one transaction. A database whose version is above `SCHEMA_VERSION` comes
 * from a newer app and is moved aside (db.ts), never altered.
 */
/** The columns of the deliveries table as created (schema 1); schema 3 added series_ms and series_attempt. */
const COLUMNS_SQL = `
    id TEXT PRIMARY KEY NOT NULL,
    received_ms INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    content_type TEXT,
    remote_address TEXT,
    plugin TEXT NOT NULL,
    interpreter TEXT,
    executor_generation INTEGER,
    executor_pid INTEGER,
    state TEXT NOT NULL,
    status INTEGER,
    duration_ms REAL,
    response_headers TEXT,
    response_body BLOB,
    response_size INTEGER,
    response_content_type TEXT,
    error_code TEXT,
    error_message TEXT,
    signature TEXT NOT NULL,
    provider TEXT,
    event TEXT,
    provider_delivery_id TEXT,
    attempt INTEGER NOT NULL,
    replay_of TEXT,
    next_attempt_ms INTEGER,
    attempts TEXT NOT NULL,
    logs TEXT NOT NULL,
    search TEXT NOT NULL,
    bytes INTEGER NOT NULL
`;

export const MIGRATIONS: readonly string[] = [
  // 1: deliveries, one row each; JSON columns for the ordered lists (headers, attempts, logs)
  `CREATE TABLE deliveries (${COLUMNS_SQL}  ) WITHOUT ROWID;
  CREATE INDEX deliveries_plugin ON deliveries (plugin, id);
  CREATE INDEX deliveries_provider ON deliveries (provider, event, id);
  CREATE INDEX deliveries_provider_id ON deliveries (provider_delivery_id) WHERE provider_delivery_id IS NOT NULL;
  CREATE INDEX deliveries_state ON deliveries (state, next_attempt_ms) WHERE state IN ('queued', 'running');
  CREATE INDEX deliveries_replay ON deliveries (replay_of) WHERE replay_of IS NOT NULL;`,
  // 2: dedup looks a delivery up by plugin, provider and the provider's delivery id, newest first
  `CREATE INDEX deliveries_dedup ON deliveries (plugin, provider, provider_delivery_id, id) WHERE provider_delivery_id IS NOT NULL;`,
  // 3: the current series of attempts of a queued (ack: immediate) delivery: when it began (its arrival,
  // or a retry by hand) and the attempts before it; max_attempts and max_age count from there.
  // NULL series_ms: a sync delivery.
  `ALTER TABLE deliveries ADD COLUMN series_ms INTEGER;
  ALTER TABLE deliveries ADD COLUMN series_attempt INTEGER NOT NULL DEFAULT 0;`,
  // 4: the table becomes a rowid table. WITHOUT ROWID keeps whole rows (kilobytes: bodies, headers)
  // in the B-tree's interior pages, so its fan-out is tiny: every index hit (a filtered list page,
  // 50 of them) descended a deep tree (~35 us a row) and the file took ~4.7 KiB a delivery. With
  // rowids the interior pages hold integers: a filtered page of 100,000 is ~5x faster, the file ~40%
  // smaller. The id stays the primary key (a unique index); the other indexes are made again.
  `CREATE TABLE deliveries_rowid (${COLUMNS_SQL},
    series_ms INTEGER,
    series_attempt INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO deliveries_rowid SELECT * FROM deliveries ORDER BY id;
  DROP TABLE deliveries;
  ALTER TABLE deliveries_rowid RENAME TO deliveries;
  CREATE INDEX deliveries_plugin ON deliveries (plugin, id);
  CREATE INDEX deliveries_provider ON deliveries (provider, event, id);
  CREATE INDEX deliveries_provider_id ON deliveries (provider_delivery_id) WHERE provider_delivery_id IS NOT NULL;
  CREATE INDEX deliveries_state ON deliveries (state, next_attempt_ms) WHERE state IN ('queued', 'running');
  CREATE INDEX deliveries_replay ON deliveries (replay_of) WHERE replay_of IS NOT NULL;
  CREATE INDEX deliveries_dedup ON deliveries (plugin, provider, provider_delivery_id, id) WHERE provider_delivery_id IS NOT NULL;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
