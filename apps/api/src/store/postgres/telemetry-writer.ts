import type {
  ContainerEvent,
  ContainerInfo,
  InventorySnapshot,
  LogLine,
  MetricSample,
  SequencedAgentMessage,
} from "@crowsnest/protocol";
import type pg from "pg";
import { batchDigest } from "../batch-digest.ts";
import { parseWrite } from "../batch-json.ts";
import { tsToNs } from "../log-time.ts";
import type { ParsedWrite, TelemetryWrite, TelemetryWriter, WriteResult } from "../store.ts";
import { type OutsideWindow, OutsideWindowTally, type TimeWindow } from "../time-window.ts";
import { pgText, sqlState, transaction } from "./database.ts";
import { lineWords } from "./log-words.ts";
import { withoutPacked } from "./metric-packer.ts";
import { dayOf, type Partitions } from "./partitions.ts";
import type { SeriesIds } from "./series.ts";

/** Rollups span a minute (ms); a minute starts at a multiple of it. */
const MINUTE = 60_000;

/**
 * SQLSTATEs after which a write is tried once more from the start: a row whose day partition was
 * dropped meanwhile by another replica's retention (23514, no partition for the row), a deadlock
 * between replicas updating the same hosts (40P01), a serialisation failure (40001).
 */
const RETRIED = new Set(["23514", "40P01", "40001"]);

/**
 * Attempts of a write that fails as `retried` says: a server restart ends every pooled connection,
 * and each attempt may be handed one of them before the pool has heard it is gone.
 */
const ATTEMPTS = 3;

/**
 * Whether a failed write is tried again: after RETRIED, or on a pooled connection the server
 * ended (a restart: class 08 or 57P01–57P03, or the socket closed under it). Safe even when the
 * first attempt's COMMIT did reach the server: the ledger then calls its batches duplicates.
 */
function retried(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return RETRIED.has(state) || state.startsWith("08") || /^57P0[123]$/.test(state);
  return err instanceof Error && /Connection terminated/i.test(err.message);
}

/** A batch's identity in the ledger (see WriteResult). */
interface BatchKey {
  hostId: string;
  incarnation: string;
  seq: number;
  digest: string;
}

/**
 * A batch's samples (on the server's time line) or log lines that lie in its time window, and how
 * many did not; null for any other write.
 */
type Placed = { samples: readonly MetricSample[]; lines: readonly LogLine[]; outside: OutsideWindow } | null;

/** The part of a write that `window` lets in (see Placed). */
function place(window: TimeWindow, write: ParsedWrite): Placed {
  if (write.kind !== "batch") return null;
  const { message, at } = write;
  const clockOffsetMs = write.clockOffsetMs ?? 0;
  if (message.type === "metrics") {
    const { inside, outside } = window.samples(message.samples, clockOffsetMs, at);
    return { samples: inside, lines: [], outside: { samples: outside, lines: 0 } };
  }
  if (message.type === "logs") {
    const { inside, outside } = window.lines(message.lines, clockOffsetMs, at);
    return { samples: [], lines: inside, outside: { samples: 0, lines: outside } };
  }
  return null;
}

/** What the content of the stored batches of one write adds up to, written in bulk at the end. */
class Pending {
  readonly samples: { hostId: string; sample: MetricSample }[] = [];
  readonly lines: { hostId: string; line: LogLine; offsetMs: number }[] = [];
  /** Rows of these batches the time window left out, counted once the transaction commits. */
  readonly outside = new OutsideWindowTally();
  /** Per host, the latest `at` that says it was seen. */
  readonly seen = new Map<string, number>();
  /** Per host, batches its agent's outbox dropped (gap notices). */
  readonly dropped = new Map<string, number>();

  see(hostId: string, at: number): void {
    this.seen.set(hostId, Math.max(this.seen.get(hostId) ?? at, at));
  }
}

/**
 * Stores agent data; everything passed to one `write` call commits or rolls back together, so
 * the caller acks after it resolves. Many agents' writes go in one call (write-queue.ts): batches
 * are deduplicated in the transaction against the ledger (`ingested_batches`, whose primary key
 * makes a batch stored at once by two replicas go in once: the second waits, then skips it), and
 * their samples and lines are inserted with one `INSERT … SELECT … FROM unnest(…)` each. Only the
 * samples and lines in `window` are stored, so only their days' partitions are ever made.
 */
export class PgTelemetryWriter implements TelemetryWriter {
  readonly #pool: pg.Pool;
  readonly #series: SeriesIds;
  readonly #partitions: Partitions;
  readonly #window: TimeWindow;
  readonly #outside = new OutsideWindowTally();

  constructor(pool: pg.Pool, series: SeriesIds, partitions: Partitions, window: TimeWindow) {
    this.#pool = pool;
    this.#series = series;
    this.#partitions = partitions;
    this.#window = window;
  }

  outsideWindow(): Record<string, OutsideWindow> {
    return this.#outside.byHost();
  }

  async write(writes: readonly TelemetryWrite[]): Promise<WriteResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#write(writes.map(parseWrite));
      } catch (err) {
        if (attempt === ATTEMPTS || !retried(err)) throw err;
        this.#partitions.forget();
      }
    }
  }

  async #write(writes: readonly ParsedWrite[]): Promise<WriteResult[]> {
    // The ledger's digest (recordBatches) stays that of the whole message: a resend is still a duplicate.
    const placed = writes.map((write) => place(this.#window, write));
    await this.#ensurePartitions(placed);
    let commitSeries = (): void => undefined;
    let outside: Record<string, OutsideWindow> = {};
    const results = await transaction(this.#pool, async (client) => {
      const hosts = await lockHosts(client, writes);
      const live = writes.flatMap((write, i) => (hosts.has(write.hostId) ? [i] : []));
      const recorded = await recordBatches(
        client,
        live.map((i) => writes[i] as ParsedWrite),
      );
      const results = writes.map((): WriteResult => "unknown-host");
      for (const [j, i] of live.entries()) results[i] = recorded[j] ?? "unknown-host";
      const pending = new Pending();
      for (const [i, write] of writes.entries()) {
        const result = results[i];
        if (result === "stored" || result === "collided")
          await applyWrite(client, write, placed[i] ?? null, pending);
      }
      commitSeries = await this.#insertTelemetry(client, pending);
      await updateHosts(client, pending);
      outside = pending.outside.byHost();
      return results;
    });
    commitSeries();
    this.#outside.merge(outside);
    return results;
  }

  /** Makes the day partitions the writes' placed samples, rollups and lines fall in, before the transaction. */
  async #ensurePartitions(placed: readonly Placed[]): Promise<void> {
    const sampleDays = new Set<number>();
    const minuteDays = new Set<number>();
    const lineDays = new Set<number>();
    for (const batch of placed) {
      for (const { t } of batch?.samples ?? []) {
        sampleDays.add(dayOf("metric_samples", t));
        minuteDays.add(dayOf("metric_rollups", t - (t % MINUTE)));
      }
      for (const line of batch?.lines ?? []) lineDays.add(dayOf("log_lines", tsToNs(line.ts)));
    }
    await this.#partitions.ensure("metric_samples", sampleDays);
    await this.#partitions.ensure("metric_rollups", minuteDays);
    await this.#partitions.ensure("log_lines", lineDays);
  }

  /** Inserts the samples (each new one counted in its minute's rollup) and lines; returns how to cache the series made. */
  async #insertTelemetry(client: pg.PoolClient, pending: Pending): Promise<() => void> {
    if (pending.samples.length === 0 && pending.lines.length === 0) return () => undefined;
    const series = await this.#series.ensure(client, [
      ...pending.samples.map(({ hostId, sample }) => [hostId, sample.containerId] as const),
      ...pending.lines.map(({ hostId, line }) => [hostId, line.containerId] as const),
    ]);
    const samples = await withoutPacked(
      client,
      pending.samples,
      ({ hostId, sample }) => series.id(hostId, sample.containerId),
      Date.now(),
    );
    if (samples.length > 0) await insertSamples(client, samples, series.id);
    if (pending.lines.length > 0) await insertLines(client, pending.lines, series.id);
    return series.commit;
  }
}

/**
 * The writes' hosts that exist, each locked (`FOR KEY SHARE`, in id order) until the transaction
 * ends, so that a host deleted by another transaction is deleted before or after all of these writes.
 */
async function lockHosts(client: pg.PoolClient, writes: readonly ParsedWrite[]): Promise<Set<string>> {
  const ids = [...new Set(writes.map((write) => write.hostId))].sort();
  const { rows } = await client.query<{ id: string }>(
    "SELECT id FROM hosts WHERE id = ANY($1::text[]) ORDER BY id FOR KEY SHARE",
    [ids],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Enters the writes' batches in the ledger and tells what became of each, in order (non-batch
 * writes are "stored"). A batch is a duplicate when the ledger had it already or holds it from
 * another transaction that committed meanwhile (the insert skipped it), or when it came earlier in
 * these writes; `collided` when its (host, incarnation, seq) was there with other content.
 */
async function recordBatches(client: pg.PoolClient, writes: readonly ParsedWrite[]): Promise<WriteResult[]> {
  const keys = writes.map((write): BatchKey | null =>
    write.kind === "batch"
      ? {
          hostId: write.hostId,
          incarnation: write.message.incarnation ?? "",
          seq: write.message.seq,
          digest: batchDigest(write.message),
        }
      : null,
  );
  // In key order: two replicas entering overlapping batches then lock the ledger's keys in the same
  // order, so neither waits on the other while holding what it waits for (no deadlock).
  const batches = keys
    .flatMap((key, i) => (key === null ? [] : [{ key, at: writes[i]?.at ?? 0 }]))
    .sort((a, b) => compareKeys(a.key, b.key));
  if (batches.length === 0) return writes.map(() => "stored");
  const columns = [
    batches.map((b) => b.key.hostId),
    batches.map((b) => b.key.incarnation),
    batches.map((b) => b.key.seq),
    batches.map((b) => b.key.digest),
    batches.map((b) => b.at),
  ];
  const before = await client.query<{ host_id: string; incarnation: string; seq: number; digest: string }>(
    `SELECT DISTINCT b.host_id, b.incarnation, b.seq, b.digest FROM ingested_batches b
     JOIN unnest($1::text[], $2::text[], $3::bigint[]) AS k(host_id, incarnation, seq)
       USING (host_id, incarnation, seq)`,
    columns.slice(0, 3),
  );
  const inserted = await client.query<{ host_id: string; incarnation: string; seq: number; digest: string }>(
    `INSERT INTO ingested_batches (host_id, incarnation, seq, digest, stored_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[])
     ON CONFLICT DO NOTHING RETURNING host_id, incarnation, seq, digest`,
    columns,
  );
  const identity = (k: { host_id: string; incarnation: string; seq: number }) =>
    JSON.stringify([k.host_id, k.incarnation, k.seq]);
  /** Per (host, incarnation, seq), the digests stored before this batch. */
  const digests = new Map<string, Set<string>>();
  for (const row of before.rows) {
    const set = digests.get(identity(row)) ?? new Set();
    set.add(row.digest);
    digests.set(identity(row), set);
  }
  const fresh = new Set(inserted.rows.map((row) => JSON.stringify([identity(row), row.digest])));
  return keys.map((key): WriteResult => {
    if (key === null) return "stored";
    const id = identity({ host_id: key.hostId, incarnation: key.incarnation, seq: key.seq });
    // Taken once: a second copy of the batch in these writes is a duplicate.
    if (!fresh.delete(JSON.stringify([id, key.digest]))) return "duplicate";
    const stored = digests.get(id) ?? new Set();
    const collided = [...stored].some((digest) => digest !== key.digest);
    stored.add(key.digest);
    digests.set(id, stored);
    return collided ? "collided" : "stored";
  });
}

function compareKeys(a: BatchKey, b: BatchKey): number {
  if (a.hostId !== b.hostId) return a.hostId < b.hostId ? -1 : 1;
  if (a.incarnation !== b.incarnation) return a.incarnation < b.incarnation ? -1 : 1;
  if (a.seq !== b.seq) return a.seq - b.seq;
  return a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0;
}

/**
 * Applies one write that is not a duplicate: host and container rows now, its `placed` samples and
 * lines (those in the window) into `pending`.
 */
async function applyWrite(
  client: pg.PoolClient,
  write: ParsedWrite,
  placed: Placed,
  pending: Pending,
): Promise<void> {
  switch (write.kind) {
    case "hello":
      await client.query("UPDATE hosts SET agent_version = $1, info = $2, last_seen = $3 WHERE id = $4", [
        write.agentVersion,
        JSON.stringify(write.info),
        write.at,
        write.hostId,
      ]);
      return;
    case "seen":
      pending.see(write.hostId, write.at);
      return;
    case "inventory":
      await applyInventory(client, write.hostId, write.snapshot);
      pending.see(write.hostId, write.at);
      return;
    case "batch":
      await applyBatch(client, write.hostId, write.message, placed, write.clockOffsetMs ?? 0, pending);
      pending.see(write.hostId, write.at);
      return;
  }
}

/** A snapshot replaces what we knew: containers missing from it are gone (kept as tombstones). */
async function applyInventory(
  client: pg.PoolClient,
  hostId: string,
  snapshot: InventorySnapshot,
): Promise<void> {
  await client.query(
    `UPDATE containers SET removed_at = $1
     WHERE host_id = $2 AND removed_at IS NULL AND NOT (id = ANY ($3::text[]))`,
    [snapshot.time, hostId, snapshot.containers.map((c) => c.id)],
  );
  // One row per id (the last one listed wins): a row upserted twice by one statement is an error.
  const containers = [...new Map(snapshot.containers.map((c) => [c.id, c])).values()];
  if (containers.length === 0) return;
  await client.query(
    `INSERT INTO containers (host_id, id, state, info, updated_at)
     SELECT $1, c.id, c.state, c.info, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS c(id, state, info)
     ON CONFLICT (host_id, id) DO UPDATE SET state = excluded.state, info = excluded.info,
       updated_at = excluded.updated_at, removed_at = NULL`,
    [
      hostId,
      containers.map((c) => c.id),
      containers.map((c) => c.state),
      containers.map((c) => JSON.stringify(c)),
      snapshot.time,
    ],
  );
}

/**
 * A batch's content: events now; its samples and lines as `placed` (on the server's time line,
 * `clockOffsetMs` see TelemetryWrite, and in the window) into `pending`, with the count left out.
 */
async function applyBatch(
  client: pg.PoolClient,
  hostId: string,
  message: SequencedAgentMessage,
  placed: Placed,
  clockOffsetMs: number,
  pending: Pending,
): Promise<void> {
  if (placed !== null) {
    for (const sample of placed.samples) pending.samples.push({ hostId, sample });
    for (const line of placed.lines) pending.lines.push({ hostId, line, offsetMs: -clockOffsetMs });
    pending.outside.add(hostId, placed.outside);
  }
  switch (message.type) {
    case "events":
      for (const event of message.events) await applyEvent(client, hostId, event);
      return;
    case "metrics":
    case "logs":
      return;
    case "gap":
      pending.dropped.set(hostId, (pending.dropped.get(hostId) ?? 0) + message.droppedBatches);
      return;
  }
}

async function applyEvent(client: pg.PoolClient, hostId: string, event: ContainerEvent): Promise<void> {
  if (event.action !== "health_status") {
    const oomKilled = event.action === "die" && event.container?.oomKilled === true;
    await client.query(
      `INSERT INTO container_events (host_id, container_id, time, action, exit_code, oom_killed)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [hostId, event.containerId, event.time, event.action, event.exitCode, oomKilled],
    );
  }
  if (event.action === "destroy" || event.container === null) {
    await client.query(
      "UPDATE containers SET removed_at = $1 WHERE host_id = $2 AND id = $3 AND removed_at IS NULL",
      [event.time, hostId, event.containerId],
    );
  } else {
    await putContainer(client, hostId, event.container, event.time);
  }
}

async function putContainer(
  client: pg.PoolClient,
  hostId: string,
  info: ContainerInfo,
  at: number,
): Promise<void> {
  await client.query(
    `INSERT INTO containers (host_id, id, state, info, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (host_id, id) DO UPDATE SET state = excluded.state, info = excluded.info,
       updated_at = excluded.updated_at, removed_at = NULL`,
    [hostId, info.id, info.state, JSON.stringify(info), at],
  );
}

/**
 * Inserts samples as wide rows, a sample already stored (same series and time) skipped, and adds
 * exactly the inserted ones to their minutes' rollups: mergeable aggregates, so it does not matter
 * which replica stores which batch of a minute.
 */
async function insertSamples(
  client: pg.PoolClient,
  samples: readonly { hostId: string; sample: MetricSample }[],
  seriesId: (hostId: string, containerId: string) => number,
): Promise<void> {
  const column = <T>(f: (s: MetricSample) => T): T[] => samples.map(({ sample }) => f(sample));
  await client.query(
    `WITH inserted AS (
       INSERT INTO metric_samples (series, t, cpu_percent, online_cpus, mem_used, mem_limit, net_rx, net_tx,
                                   blk_read, blk_write, pids)
       SELECT * FROM unnest($1::integer[], $2::bigint[], $3::float8[], $4::integer[], $5::bigint[], $6::bigint[],
                            $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::integer[])
       ON CONFLICT DO NOTHING
       RETURNING *)
     INSERT INTO metric_rollups (series, minute, n, cpu_sum, cpu_min, cpu_max, mem_sum, mem_min, mem_max, mem_limit,
                                 latest_t, net_rx, net_tx, blk_read, blk_write, pids_sum)
     SELECT series, t - t % ${MINUTE} AS minute, count(*), sum(cpu_percent), min(cpu_percent), max(cpu_percent),
            sum(mem_used), min(mem_used), max(mem_used), (max(ARRAY[t, mem_limit]))[2], max(t),
            max(net_rx), max(net_tx), max(blk_read), max(blk_write), sum(pids)
     FROM inserted GROUP BY series, minute
     ON CONFLICT (series, minute) DO UPDATE SET
       n = metric_rollups.n + excluded.n,
       cpu_sum = metric_rollups.cpu_sum + excluded.cpu_sum,
       cpu_min = least(metric_rollups.cpu_min, excluded.cpu_min),
       cpu_max = greatest(metric_rollups.cpu_max, excluded.cpu_max),
       mem_sum = metric_rollups.mem_sum + excluded.mem_sum,
       mem_min = least(metric_rollups.mem_min, excluded.mem_min),
       mem_max = greatest(metric_rollups.mem_max, excluded.mem_max),
       -- The minute's limit is its latest sample's: a late sample older than that leaves it.
       mem_limit = CASE WHEN excluded.latest_t > metric_rollups.latest_t
                        THEN excluded.mem_limit ELSE metric_rollups.mem_limit END,
       latest_t = greatest(metric_rollups.latest_t, excluded.latest_t),
       net_rx = greatest(metric_rollups.net_rx, excluded.net_rx),
       net_tx = greatest(metric_rollups.net_tx, excluded.net_tx),
       blk_read = greatest(metric_rollups.blk_read, excluded.blk_read),
       blk_write = greatest(metric_rollups.blk_write, excluded.blk_write),
       pids_sum = metric_rollups.pids_sum + excluded.pids_sum`,
    [
      samples.map(({ hostId, sample }) => seriesId(hostId, sample.containerId)),
      column((s) => s.t),
      column((s) => s.cpuPercent),
      column((s) => s.onlineCpus),
      column((s) => s.memUsedBytes),
      column((s) => s.memLimitBytes),
      column((s) => s.netRxBytes),
      column((s) => s.netTxBytes),
      column((s) => s.blkReadBytes),
      column((s) => s.blkWriteBytes),
      column((s) => s.pids),
    ],
  );
}

/** Inserts log lines with their search words, and adds their text's bytes to their hosts' totals. */
async function insertLines(
  client: pg.PoolClient,
  lines: readonly { hostId: string; line: LogLine; offsetMs: number }[],
  seriesId: (hostId: string, containerId: string) => number,
): Promise<void> {
  const texts = lines.map(({ line }) => pgText(line.text));
  await client.query(
    `INSERT INTO log_lines (series, ts, server_offset_ms, stream, truncated, text, words)
     SELECT series, ts, server_offset_ms, stream, truncated, text, array_to_tsvector(string_to_array(words, ' '))
     FROM unnest($1::integer[], $2::bigint[], $3::bigint[], $4::smallint[], $5::boolean[], $6::text[], $7::text[])
       AS l(series, ts, server_offset_ms, stream, truncated, text, words)`,
    [
      lines.map(({ hostId, line }) => seriesId(hostId, line.containerId)),
      // Nanoseconds pass 2^53: sent as decimal text.
      lines.map(({ line }) => tsToNs(line.ts).toString()),
      lines.map(({ offsetMs }) => offsetMs),
      lines.map(({ line }) => (line.stream === "stderr" ? 1 : 0)),
      lines.map(({ line }) => line.truncated),
      texts,
      texts.map(lineWords),
    ],
  );
  const bytes = new Map<string, number>();
  lines.forEach(({ hostId }, i) => {
    bytes.set(hostId, (bytes.get(hostId) ?? 0) + Buffer.byteLength(texts[i] ?? ""));
  });
  await client.query(
    `UPDATE hosts h SET log_bytes = h.log_bytes + d.bytes
     FROM unnest($1::text[], $2::bigint[]) AS d(id, bytes) WHERE h.id = d.id`,
    [[...bytes.keys()], [...bytes.values()]],
  );
}

/** Last seen times and dropped-batch counts, one statement each, hosts in id order (fewer lock waits between replicas). */
async function updateHosts(client: pg.PoolClient, pending: Pending): Promise<void> {
  const dropped = [...pending.dropped].sort(([a], [b]) => (a < b ? -1 : 1));
  if (dropped.length > 0) {
    await client.query(
      `UPDATE hosts h SET dropped_batches = h.dropped_batches + d.n
       FROM unnest($1::text[], $2::bigint[]) AS d(id, n) WHERE h.id = d.id`,
      [dropped.map(([id]) => id), dropped.map(([, n]) => n)],
    );
  }
  const seen = [...pending.seen].sort(([a], [b]) => (a < b ? -1 : 1));
  if (seen.length > 0) {
    await client.query(
      `UPDATE hosts h SET last_seen = greatest(coalesce(h.last_seen, 0), d.at)
       FROM unnest($1::text[], $2::bigint[]) AS d(id, at) WHERE h.id = d.id`,
      [seen.map(([id]) => id), seen.map(([, at]) => at)],
    );
  }
}
