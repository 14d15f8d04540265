import type { Migration } from "../../migration-steps.ts";

/**
 * Migration 9: compact telemetry (issue 13). A `series` row gives each (host, container) a small
 * integer that every metric and log row carries instead of the two text ids.
 *
 * Metrics: the newest minute of each series stays as rows in `metric_head`, clustered on
 * (series, time) `WITHOUT ROWID`; older minutes are packed into one `metric_chunks` row per series
 * and minute (`metric-chunk.ts`: columns delta-encoded, then zstd), and a finished hour's minutes
 * into one chunk per series and hour, found by (series, start).
 * No table has an index on time alone: retention walks the series (few) and each one's range. Network
 * counters are null for a container on the host's network. Rollups are clustered the same way and
 * gain minima (a rollup from before this migration has its average as minimum).
 *
 * Logs: `ts` is Docker's time in integer nanoseconds since the epoch, `server_offset_ms` the shift
 * to the server's time line (0 for lines stored before migration 7, which had none), `stream` 0 for
 * stdout and 1 for stderr. The search index is an FTS5 table over the lines' ANSI-stripped text
 * that keeps no copy of it (external content) and no positions (`detail=none`: the dashboard asks
 * for words, never phrases), with a 3-character prefix index for prefix queries; `columnsize=0`
 * drops the per-line token counts that only ranking uses.
 *
 * Every row stored before is carried over; its metric samples become chunks at the next write of
 * their series (or stay head rows until retention, which reads both).
 */
export const compactTelemetryMigration: Migration = {
  version: 9,
  name: "compact-telemetry",
  sql: `
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  host_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  UNIQUE (host_id, container_id)
) STRICT;
INSERT INTO series (host_id, container_id)
  SELECT host_id, container_id FROM metric_samples
  UNION SELECT host_id, container_id FROM metric_rollups_1m
  UNION SELECT host_id, container_id FROM log_lines;

CREATE TABLE metric_head (
  series INTEGER NOT NULL,
  t INTEGER NOT NULL,
  cpu_percent REAL NOT NULL,
  online_cpus INTEGER NOT NULL,
  mem_used INTEGER NOT NULL,
  mem_limit INTEGER NOT NULL,
  net_rx INTEGER,
  net_tx INTEGER,
  blk_read INTEGER NOT NULL,
  blk_write INTEGER NOT NULL,
  pids INTEGER NOT NULL,
  PRIMARY KEY (series, t)
) STRICT, WITHOUT ROWID;
INSERT INTO metric_head
  SELECT s.id, m.t, m.cpu_percent, m.online_cpus, m.mem_used, m.mem_limit, m.net_rx, m.net_tx,
         m.blk_read, m.blk_write, m.pids
  FROM metric_samples m JOIN series s ON s.host_id = m.host_id AND s.container_id = m.container_id;
DROP TABLE metric_samples;

-- A series' samples of one minute (span 60000) or, once its hour is over, of one hour (span
-- 3600000): n samples encoded by metric-chunk.ts. A rowid table, not WITHOUT ROWID: a chunk stays
-- on its leaf page up to ~4 KiB (a WITHOUT ROWID row spills to an overflow page past ~1 KiB).
CREATE TABLE metric_chunks (
  id INTEGER PRIMARY KEY,
  series INTEGER NOT NULL,
  start INTEGER NOT NULL,
  span INTEGER NOT NULL,
  n INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (series, start)
) STRICT;

CREATE TABLE metric_rollups (
  series INTEGER NOT NULL,
  minute INTEGER NOT NULL,
  n INTEGER NOT NULL,
  cpu_sum REAL NOT NULL,
  cpu_min REAL NOT NULL,
  cpu_max REAL NOT NULL,
  mem_sum INTEGER NOT NULL,
  mem_min INTEGER NOT NULL,
  mem_max INTEGER NOT NULL,
  mem_limit INTEGER NOT NULL,
  net_rx INTEGER,
  net_tx INTEGER,
  blk_read INTEGER NOT NULL,
  blk_write INTEGER NOT NULL,
  pids_sum INTEGER NOT NULL,
  PRIMARY KEY (series, minute)
) STRICT, WITHOUT ROWID;
INSERT INTO metric_rollups
  SELECT s.id, r.minute, r.n, r.cpu_sum, r.cpu_sum / r.n, r.cpu_max, CAST(r.mem_sum AS INTEGER),
         CAST(r.mem_sum / r.n AS INTEGER), r.mem_max, r.mem_limit, r.net_rx, r.net_tx, r.blk_read,
         r.blk_write, CAST(r.pids_sum AS INTEGER)
  FROM metric_rollups_1m r JOIN series s ON s.host_id = r.host_id AND s.container_id = r.container_id;
DROP TABLE metric_rollups_1m;

DROP TRIGGER log_lines_inserted;
DROP TRIGGER log_lines_deleted;
DROP TABLE log_fts;
ALTER TABLE log_lines RENAME TO log_lines_v7;
CREATE TABLE log_lines (
  id INTEGER PRIMARY KEY,
  series INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  server_offset_ms INTEGER NOT NULL,
  stream INTEGER NOT NULL,
  truncated INTEGER NOT NULL,
  text TEXT NOT NULL
) STRICT;
INSERT INTO log_lines (id, series, ts, server_offset_ms, stream, truncated, text)
  SELECT l.id, s.id, unixepoch(substr(l.ts, 1, 19)) * 1000000000 + CAST(substr(l.ts, 21, 9) AS INTEGER),
         coalesce(unixepoch(substr(l.server_ts, 1, 19)) * 1000 + CAST(substr(l.server_ts, 21, 3) AS INTEGER)
                  - unixepoch(substr(l.ts, 1, 19)) * 1000 - CAST(substr(l.ts, 21, 3) AS INTEGER), 0),
         l.stream = 'stderr', l.truncated, l.text
  FROM log_lines_v7 l JOIN series s ON s.host_id = l.host_id AND s.container_id = l.container_id;
DROP TABLE log_lines_v7;
CREATE INDEX log_lines_series ON log_lines(series, ts);

CREATE VIRTUAL TABLE log_fts USING fts5(
  text, content='log_lines', content_rowid='id', detail=none, columnsize=0, prefix='3'
);
INSERT INTO log_fts(rowid, text) SELECT id, crowsnest_search_text(text) FROM log_lines;

CREATE TRIGGER log_lines_inserted AFTER INSERT ON log_lines BEGIN
  INSERT INTO log_fts(rowid, text) VALUES (new.id, crowsnest_search_text(new.text));
  UPDATE hosts SET log_bytes = log_bytes + length(CAST(new.text AS BLOB))
    WHERE id = (SELECT host_id FROM series WHERE id = new.series);
END;
CREATE TRIGGER log_lines_deleted AFTER DELETE ON log_lines BEGIN
  INSERT INTO log_fts(log_fts, rowid, text) VALUES ('delete', old.id, crowsnest_search_text(old.text));
  UPDATE hosts SET log_bytes = log_bytes - length(CAST(old.text AS BLOB))
    WHERE id = (SELECT host_id FROM series WHERE id = old.series);
END;
`,
};
