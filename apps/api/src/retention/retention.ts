import type { FastifyBaseLogger } from "fastify";
import { msToTs } from "../store/log-time.ts";
import type { MaintenanceLease, RetentionRepository } from "../store/store.ts";

/** How long telemetry is kept and how retention sweeps (the server's `retention` settings). */
export interface RetentionConfig {
  rawMetricsMs: number;
  rollupMetricsMs: number;
  logsMs: number;
  logBytesPerHost: number;
  /** Seen (host, seq) pairs are kept this long so that a late resend is still recognised. */
  batchLedgerMs: number;
  intervalMs: number;
  /** Rows deleted per statement, so that a sweep never holds the database for long. */
  batchRows: number;
}

export interface SweepResult {
  /** What a backend that packs apart from its writes packed into chunks: raw samples and rollup rows (packRawMetrics). */
  packed: number;
  rawMetrics: number;
  rollups: number;
  logsExpired: number;
  logsOverCap: number;
  batchLedger: number;
  /** Container events and removed containers' tombstones, kept as long as the metric rollups. */
  containerHistory: number;
}

/** Samples per packing transaction, of rows or of minute chunks (some 15 MB of rows, a tenth of a second to code). */
const PACK_ROWS_PER_CALL = 100_000;

/** The maintenance lease's task under which the periodic sweep runs (see MaintenanceLease). */
export const RETENTION_TASK = "retention";

/**
 * Deletes expired telemetry in small batches, yielding to the event loop between them so that
 * ingest and heartbeats keep running while a large backlog is cleared. The periodic sweep runs
 * only while this server leads RETENTION_TASK, so that replicas sharing a database sweep it once.
 */
export class Retention {
  readonly #repo: RetentionRepository;
  readonly #lease: MaintenanceLease;
  readonly #config: RetentionConfig;
  readonly #log: FastifyBaseLogger;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SweepResult> | null = null;

  constructor(
    repo: RetentionRepository,
    lease: MaintenanceLease,
    config: RetentionConfig,
    log: FastifyBaseLogger,
  ) {
    this.#repo = repo;
    this.#lease = lease;
    this.#config = config;
    this.#log = log;
  }

  /** Sweeps every `intervalMs` while this server leads RETENTION_TASK. */
  start(): void {
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.sweepIfLeading().catch((err: unknown) => this.#log.error({ err }, "retention sweep failed"));
    }, this.#config.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  /** The periodic pass: a sweep when this server leads RETENTION_TASK; null, nothing done, while another server leads it. */
  async sweepIfLeading(now = Date.now()): Promise<SweepResult | null> {
    return (await this.#lease.tryLead(RETENTION_TASK)) ? this.sweep(now) : null;
  }

  /** One sweep now, whoever leads (the periodic one asks the lease first); joins a sweep in progress. */
  sweep(now = Date.now()): Promise<SweepResult> {
    this.#running ??= this.#sweep(now).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #sweep(now: number): Promise<SweepResult> {
    const c = this.#config;
    const repo = this.#repo;
    const limit = c.batchRows;
    const pack = repo.packRawMetrics?.bind(repo);
    const result: SweepResult = {
      packed: pack ? await this.#packRawMetrics(pack, now) : 0,
      rawMetrics: await drain((n) => repo.deleteRawMetricsBefore(now - c.rawMetricsMs, n), limit),
      rollups: await drain((n) => repo.deleteRollupsBefore(now - c.rollupMetricsMs, n), limit),
      logsExpired: await drain((n) => repo.deleteLogsBefore(msToTs(now - c.logsMs), n), limit),
      logsOverCap: 0,
      batchLedger: await drain((n) => repo.deleteBatchLedgerBefore(now - c.batchLedgerMs, n), limit),
      containerHistory: await drain(
        (n) => repo.deleteContainerHistoryBefore(now - c.rollupMetricsMs, n),
        limit,
      ),
    };
    for (const { hostId, excessBytes } of await repo.hostsOverLogCap(c.logBytesPerHost)) {
      let left = excessBytes;
      while (left > 0) {
        const deleted = await repo.deleteOldestLogs(hostId, left, limit);
        if (deleted === 0) break;
        result.logsOverCap += deleted;
        const still = (await repo.hostsOverLogCap(c.logBytesPerHost)).find((h) => h.hostId === hostId);
        left = still?.excessBytes ?? 0;
        await yieldToEventLoop();
      }
    }
    if (Object.values(result).some((n) => n > 0)) this.#log.info({ deleted: result }, "retention sweep");
    return result;
  }

  /**
   * Packs raw samples (see RetentionRepository.packRawMetrics); returns the samples packed. A
   * failure is logged and the sweep goes on: its deletes free space, packing only saves it.
   */
  async #packRawMetrics(pack: (now: number, limit: number) => Promise<number>, now: number): Promise<number> {
    try {
      return await drain((n) => pack(now, n), PACK_ROWS_PER_CALL);
    } catch (err) {
      this.#log.error({ err }, "packing raw samples failed");
      return 0;
    }
  }
}

/** Calls deleteBatch until a batch comes back short, yielding between batches; returns the total. */
async function drain(deleteBatch: (limit: number) => Promise<number>, limit: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch(limit);
    total += deleted;
    if (deleted < limit) return total;
    await yieldToEventLoop();
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
