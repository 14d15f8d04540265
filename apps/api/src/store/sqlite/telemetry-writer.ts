import type { DatabaseSync } from "node:sqlite";
import type {
  ContainerEvent,
  ContainerInfo,
  LogLine,
  MetricSample,
  SequencedAgentMessage,
} from "@crowsnest/protocol";
import { batchDigest } from "../batch-digest.ts";
import { normalizeTs, shiftTs } from "../log-time.ts";
import { placeSamples } from "../server-time.ts";
import type { TelemetryWrite, TelemetryWriter, WriteResult } from "../store.ts";
import { transaction } from "./database.ts";

const MINUTE = 60_000;

/** Stores agent data; everything passed to one `write` call commits or rolls back together. */
export class SqliteTelemetryWriter implements TelemetryWriter {
  readonly #db: DatabaseSync;
  readonly #hello;
  readonly #seen;
  readonly #removeAbsent;
  readonly #upsertContainer;
  readonly #removeContainer;
  readonly #insertEvent;
  readonly #findBatch;
  readonly #insertBatch;
  readonly #insertSample;
  readonly #upsertRollup;
  readonly #insertLine;
  readonly #addDropped;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#hello = db.prepare("UPDATE hosts SET agent_version = ?, info = ?, last_seen = ? WHERE id = ?");
    this.#seen = db.prepare("UPDATE hosts SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?");
    // A removed container stays as a tombstone (removed_at) with its last known info; see migration 8.
    this.#removeAbsent = db.prepare(`
      UPDATE containers SET removed_at = $at
      WHERE host_id = $host AND removed_at IS NULL AND id NOT IN (SELECT value FROM json_each($present))`);
    this.#upsertContainer = db.prepare(`
      INSERT INTO containers (host_id, id, state, info, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (host_id, id) DO UPDATE SET state = excluded.state, info = excluded.info,
        updated_at = excluded.updated_at, removed_at = NULL`);
    this.#removeContainer = db.prepare(
      "UPDATE containers SET removed_at = ? WHERE host_id = ? AND id = ? AND removed_at IS NULL",
    );
    this.#insertEvent = db.prepare(
      "INSERT INTO container_events (host_id, container_id, time, action, exit_code, oom_killed) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#findBatch = db.prepare(
      "SELECT digest FROM ingested_batches WHERE host_id = ? AND incarnation = ? AND seq = ?",
    );
    this.#insertBatch = db.prepare(
      "INSERT INTO ingested_batches (host_id, incarnation, seq, digest, stored_at) VALUES (?, ?, ?, ?, ?)",
    );
    // Both statements take the named parameters of sampleParams(); the sample row also keeps $cpus.
    this.#insertSample = db.prepare(`
      INSERT INTO metric_samples (host_id, container_id, t, cpu_percent, online_cpus, mem_used, mem_limit,
                                  net_rx, net_tx, blk_read, blk_write, pids)
      VALUES ($host, $container, $t, $cpu, $cpus, $mem, $memLimit, $netRx, $netTx, $blkRead, $blkWrite, $pids)
      ON CONFLICT DO NOTHING`);
    this.#upsertRollup = db.prepare(`
      INSERT INTO metric_rollups_1m (host_id, container_id, minute, n, cpu_sum, cpu_max, mem_sum, mem_max, mem_limit,
                                     net_rx, net_tx, blk_read, blk_write, pids_sum)
      VALUES ($host, $container, $t - ($t % ${MINUTE}), 1, $cpu, $cpu, $mem, $mem, $memLimit,
              $netRx, $netTx, $blkRead, $blkWrite, $pids)
      ON CONFLICT (host_id, container_id, minute) DO UPDATE SET
        n = n + 1,
        cpu_sum = cpu_sum + excluded.cpu_sum, cpu_max = max(cpu_max, excluded.cpu_max),
        mem_sum = mem_sum + excluded.mem_sum, mem_max = max(mem_max, excluded.mem_max),
        mem_limit = excluded.mem_limit,
        net_rx = max(net_rx, excluded.net_rx), net_tx = max(net_tx, excluded.net_tx),
        blk_read = max(blk_read, excluded.blk_read), blk_write = max(blk_write, excluded.blk_write),
        pids_sum = pids_sum + excluded.pids_sum`);
    this.#insertLine = db.prepare(
      "INSERT INTO log_lines (host_id, container_id, ts, server_ts, stream, text, truncated) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.#addDropped = db.prepare("UPDATE hosts SET dropped_batches = dropped_batches + ? WHERE id = ?");
  }

  async write(writes: readonly TelemetryWrite[]): Promise<WriteResult[]> {
    return transaction(this.#db, () => writes.map((write) => this.#apply(write)));
  }

  #apply(write: TelemetryWrite): WriteResult {
    switch (write.kind) {
      case "hello":
        this.#hello.run(write.agentVersion, JSON.stringify(write.info), write.at, write.hostId);
        return "stored";
      case "seen":
        this.#seen.run(write.at, write.hostId);
        return "stored";
      case "inventory":
        // A snapshot replaces what we knew: containers missing from it are gone (kept as tombstones).
        this.#removeAbsent.run({
          at: write.snapshot.time,
          host: write.hostId,
          present: JSON.stringify(write.snapshot.containers.map((c) => c.id)),
        });
        for (const info of write.snapshot.containers)
          this.#putContainer(write.hostId, info, write.snapshot.time);
        this.#seen.run(write.at, write.hostId);
        return "stored";
      case "batch": {
        const result = this.#recordBatch(write.hostId, write.message, write.at);
        if (result === "duplicate") return result;
        this.#applyBatch(write.hostId, write.message, write.clockOffsetMs ?? 0);
        this.#seen.run(write.at, write.hostId);
        return result;
      }
    }
  }

  /**
   * Enters the batch in the ledger unless this very batch (same incarnation, seq and content) is
   * there already. A ledger row without digest (stored before migration 6) matches on seq alone.
   */
  #recordBatch(hostId: string, message: SequencedAgentMessage, at: number): WriteResult {
    const incarnation = message.incarnation ?? "";
    const digest = batchDigest(message);
    const rows = this.#findBatch.all(hostId, incarnation, message.seq) as unknown as { digest: string }[];
    if (rows.some((row) => row.digest === digest || row.digest === "")) return "duplicate";
    this.#insertBatch.run(hostId, incarnation, message.seq, digest, at);
    return rows.length === 0 ? "stored" : "collided";
  }

  /** Stores a batch's content, its times put on the server's time line (`clockOffsetMs`, see TelemetryWrite). */
  #applyBatch(hostId: string, message: SequencedAgentMessage, clockOffsetMs: number): void {
    switch (message.type) {
      case "events":
        for (const event of message.events) this.#applyEvent(hostId, event);
        return;
      case "metrics":
        for (const sample of placeSamples(message.samples, clockOffsetMs)) this.#putSample(hostId, sample);
        return;
      case "logs":
        for (const line of message.lines) this.#putLine(hostId, line, clockOffsetMs);
        return;
      case "gap":
        this.#addDropped.run(message.droppedBatches, hostId);
        return;
    }
  }

  #applyEvent(hostId: string, event: ContainerEvent): void {
    if (event.action !== "health_status") {
      const oomKilled = event.action === "die" && event.container?.oomKilled === true;
      this.#insertEvent.run(
        hostId,
        event.containerId,
        event.time,
        event.action,
        event.exitCode,
        oomKilled ? 1 : 0,
      );
    }
    if (event.action === "destroy" || event.container === null) {
      this.#removeContainer.run(event.time, hostId, event.containerId);
    } else {
      this.#putContainer(hostId, event.container, event.time);
    }
  }

  #putContainer(hostId: string, info: ContainerInfo, at: number): void {
    this.#upsertContainer.run(hostId, info.id, info.state, JSON.stringify(info), at);
  }

  #putSample(hostId: string, sample: MetricSample): void {
    const params = sampleParams(hostId, sample);
    // A sample already stored (same container and time) must not be counted twice in its rollup.
    if (this.#insertSample.run({ ...params, cpus: sample.onlineCpus }).changes === 0) return;
    this.#upsertRollup.run(params);
  }

  #putLine(hostId: string, line: LogLine, clockOffsetMs: number): void {
    this.#insertLine.run(
      hostId,
      line.containerId,
      normalizeTs(line.ts),
      shiftTs(line.ts, -clockOffsetMs),
      line.stream,
      line.text,
      line.truncated ? 1 : 0,
    );
  }
}

/** What a sample row and its rollup row are made of (node:sqlite refuses unused names, so not $cpus). */
function sampleParams(hostId: string, s: MetricSample): Record<string, string | number> {
  return {
    host: hostId,
    container: s.containerId,
    t: s.t,
    cpu: s.cpuPercent,
    mem: s.memUsedBytes,
    memLimit: s.memLimitBytes,
    netRx: s.netRxBytes,
    netTx: s.netTxBytes,
    blkRead: s.blkReadBytes,
    blkWrite: s.blkWriteBytes,
    pids: s.pids,
  };
}
