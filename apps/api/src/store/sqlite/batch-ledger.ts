import type { DatabaseSync } from "node:sqlite";
import type { SequencedAgentMessage } from "@crowsnest/protocol";
import { batchDigest } from "../batch-digest.ts";
import type { WriteResult } from "../store.ts";

/**
 * The SQLite batch ledger (migration 25): every batch stored, as (incarnation id, seq, SHA-256,
 * stored_at), so that a resent batch is recognised and stored once. Entered inside the telemetry
 * writer's transaction, on its connection; kept `CROWSNEST_RETENTION_BATCH_LEDGER_MS`
 * (SqliteRetentionRepository.deleteBatchLedgerBefore).
 */
export class SqliteBatchLedger {
  readonly #incarnation;
  readonly #newIncarnation;
  readonly #find;
  readonly #insert;

  constructor(db: DatabaseSync) {
    this.#incarnation = db.prepare("SELECT id FROM agent_incarnations WHERE host_id = ? AND incarnation = ?");
    this.#newIncarnation = db.prepare(
      "INSERT INTO agent_incarnations (host_id, incarnation) VALUES (?, ?) RETURNING id",
    );
    this.#find = db.prepare("SELECT digest FROM ingested_batches WHERE incarnation = ? AND seq = ?");
    this.#insert = db.prepare(
      "INSERT INTO ingested_batches (incarnation, seq, digest, stored_at) VALUES (?, ?, ?, ?)",
    );
  }

  /**
   * Enters a batch of the host's, arrived at `at` (ms), unless this very batch (same incarnation,
   * seq and content) is there already: "duplicate" then, "collided" when another batch has its
   * incarnation and seq, else "stored". A row without digest (stored before migration 6) matches
   * on seq alone. The run's id is looked up a batch at a time rather than cached: retention deletes
   * a run left with no batch (SqliteRetentionRepository.deleteBatchLedgerBefore), and a deleted
   * host takes its runs with it, both on another connection.
   */
  record(hostId: string, message: SequencedAgentMessage, at: number): WriteResult {
    const incarnation = this.#incarnationId(hostId, message.incarnation ?? "");
    const digest = Buffer.from(batchDigest(message), "hex");
    const rows = this.#find.all(incarnation, message.seq) as unknown as { digest: Uint8Array }[];
    if (rows.some((row) => row.digest.length === 0 || digest.equals(row.digest))) return "duplicate";
    this.#insert.run(incarnation, message.seq, digest, at);
    return rows.length === 0 ? "stored" : "collided";
  }

  /** The id of the host's incarnation ('' for an agent that sends none), made if new. */
  #incarnationId(hostId: string, incarnation: string): number {
    const row = (this.#incarnation.get(hostId, incarnation) ??
      this.#newIncarnation.get(hostId, incarnation)) as {
      id: number;
    };
    return row.id;
  }
}
