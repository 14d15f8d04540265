/**
 * The storage contract of crowsnest-server. Every backend (SQLite now; PostgreSQL for
 * scale-out) implements it, and the same contract tests run against each. Methods are
 * async so that a networked backend fits the same shape as the embedded one.
 */
import type {
  ContainerEventRecord,
  ContainerInfo,
  HostInfo,
  InventorySnapshot,
  LogMatch,
  LogStream,
  MetricPoint,
  SequencedAgentMessage,
  StoredLogLine,
} from "@crowsnest/protocol";
import type { AuditRepository } from "./audit-repository.ts";
import type { CredentialRotationRepository } from "./credential-rotation-repository.ts";
import type { Downsampled } from "./downsample.ts";
import type { EnrolmentTokenRepository } from "./enrolment-token-repository.ts";
import type { LoginFailureRepository } from "./login-failure-repository.ts";
import type { SessionRepository } from "./session-repository.ts";
import type { OutsideWindow } from "./time-window.ts";
import type { UserRepository } from "./user-repository.ts";

export interface HostRecord {
  id: string;
  name: string;
  createdAt: number;
  lastSeen: number | null;
  agentVersion: string | null;
  info: HostInfo | null;
  /** Batches the agent's outbox dropped, summed from its gap notices. */
  droppedBatches: number;
  /** The last second agent refused on the host's credential (see HostRepository.recordConflict), or null. */
  conflict: HostConflict | null;
  /** When `revoke` closed its ways in (epoch ms); null again once a token is re-issued. */
  revokedAt: number | null;
  /** When `archive` deleted it with its data kept (epoch ms), or null. */
  deletedAt: number | null;
}

/** Second agents refused on one host's credential while another agent was live. */
export interface HostConflict {
  /** Epoch ms of the last refusal. */
  lastRefusedAt: number;
  /** Refusals so far (at least 1). */
  refusedConnections: number;
  /** What the last refused agent said in its hello. */
  refusedHost: HostInfo;
}

/**
 * How a new host's agent gets in the first time: a long-lived credential (`host add`) or a
 * single-use enrolment token (`host enrol`), each given as the SHA-256 of the secret handed out.
 */
export type NewHostAccess =
  | { kind: "credential"; tokenHash: string }
  | {
      kind: "enrolment";
      tokenHash: string;
      /** Epoch ms after which the token redeems nothing. */
      expiresAt: number;
      /** The admin who issued it; null when issued from the CLI. */
      createdBy: string | null;
    };

export interface HostRepository {
  /**
   * Creates a host and its first way in (`access`) in one transaction; `now` in epoch ms. Throws
   * HostNameTakenError, writing nothing, when a host not deleted has the same name regardless of
   * case (`hostNameKey`); a deleted host's name is free again.
   */
  create(name: string, now: number, access: NewHostAccess): Promise<HostRecord>;
  /**
   * Closes every way in for the host in one transaction: its credentials are revoked, its unused
   * enrolment tokens invalidated and a pending rotation dropped, and the host is marked revoked
   * (`revokedAt`). Returns how many credentials were active (0 for an unknown host). Closing the
   * live connection is the caller's part.
   */
  revoke(hostId: string, now: number): Promise<number>;
  /**
   * Gives a host that is not deleted and whose agent never connected, or that was revoked, a new
   * single-use enrolment token in one transaction: its other credentials and tokens are revoked
   * and `revokedAt` is cleared. Returns false, writing nothing, for any other host.
   */
  reissue(
    hostId: string,
    access: Extract<NewHostAccess, { kind: "enrolment" }>,
    now: number,
  ): Promise<boolean>;
  /**
   * Deletes a host but keeps its data readable: in one transaction every way in is closed (as
   * `revoke`) and `deletedAt` set, which frees its name. False for an unknown or already deleted host.
   */
  archive(hostId: string, now: number): Promise<boolean>;
  /**
   * Deletes a host (deleted with `archive` or not) and everything stored for it, in one
   * transaction: credentials, tokens, containers, metrics, rollups, logs, the batch ledger. Its
   * audit entries stay. False for an unknown host.
   */
  delete(hostId: string): Promise<boolean>;
  /** The host, deleted or not. */
  get(hostId: string): Promise<HostRecord | null>;
  /** Every host, the deleted ones (`deletedAt` set) included. */
  list(): Promise<HostRecord[]>;
  /**
   * The highest batch sequence number stored for the host, over every incarnation (within the
   * ledger's retention), or null.
   */
  lastStoredSeq(hostId: string): Promise<number | null>;
  /** Counts one refused second agent on the host's credential, with what its hello said; `at` in epoch ms. */
  recordConflict(hostId: string, refusedHost: HostInfo, at: number): Promise<void>;
}

/**
 * Host credentials, stored as SHA-256 hashes. They are written only together with what issues or
 * revokes them: `hosts.create`, `hosts.revoke`, `enrolmentTokens.redeem` and
 * `credentialRotations.complete`, each one transaction, so that a host has at most one.
 */
export interface HostCredentialRepository {
  /** The host an unrevoked credential with this hash belongs to, or null. */
  findHost(tokenHash: string): Promise<string | null>;
}

export interface StoredContainer {
  hostId: string;
  info: ContainerInfo;
  updatedAt: number;
  /** When Docker removed it (epoch ms; its last known `info` kept as a tombstone), or null while it exists. */
  removedAt: number | null;
}

/** A container's stored lifecycle events: the newest `limit` with `time` in [from, to]. */
export interface ContainerEventQuery {
  hostId: string;
  containerId: string;
  from: number;
  to: number;
  limit: number;
}

export interface ContainerRepository {
  /** The existing containers of one host, or of every host when hostId is omitted (no tombstones). */
  list(hostId?: string): Promise<StoredContainer[]>;
  /** An existing container, or null (also when it was removed). */
  get(hostId: string, containerId: string): Promise<StoredContainer | null>;
  /** An existing container or the tombstone of a removed one (`removedAt` set), or null if neither is stored. */
  find(hostId: string, containerId: string): Promise<StoredContainer | null>;
  /** Lifecycle events (see ContainerEventQuery), oldest first. */
  events(query: ContainerEventQuery): Promise<ContainerEventRecord[]>;
}

export interface MetricRange {
  hostId: string;
  containerId: string;
  from: number;
  to: number;
}

/** A range of one tier, to be reduced to at most `maxPoints` points (see downsample). */
export interface MetricHistoryQuery extends MetricRange {
  tier: "raw" | "1m";
  maxPoints: number;
}

export interface MetricRepository {
  /** Raw samples in [from, to], oldest first (the `Min` and `Max` fields equal the values). */
  raw(range: MetricRange): Promise<MetricPoint[]>;
  /** One-minute rollups whose minute starts in [from, to], oldest first. */
  rollups(range: MetricRange): Promise<MetricPoint[]>;
  /**
   * What `raw` or `rollups` gives for the range, merged into min/max buckets when there are more
   * than `maxPoints` (`downsample`): what a chart of the range draws.
   */
  history(query: MetricHistoryQuery): Promise<Downsampled>;
}

/** Position of a log line in (ts, id) order; cursors encode it. */
export interface LogPosition {
  ts: string;
  id: number;
}

export interface LogQuery {
  hostId: string;
  containerId: string;
  /** Inclusive bounds as RFC 3339 timestamps with nine fractional digits. */
  from: string;
  to: string;
  /** Words that must all appear in a line (the rules of `findLogMatches`), or null. */
  words: readonly string[] | null;
  /** Where a word may occur: at the start of a word of the line (default, indexed over the whole history) or anywhere (a scan of at most `LOG_SCAN_LINES` lines). */
  match?: LogMatch;
  /** Words required exactly as written; by default case and accents are ignored. */
  caseSensitive?: boolean;
  /** The most lines a scan reads before it stops; `LOG_SCAN_LINES` by default. */
  scanLines?: number;
  stream: LogStream | null;
  limit: number;
  /** Only lines strictly before this position. */
  before: LogPosition | null;
}

/** The most lines one substring search reads (newest first) before it stops and says so. */
export const LOG_SCAN_LINES = 200_000;

export interface LogPage {
  /** Oldest first. */
  lines: StoredLogLine[];
  /** Set when older matching lines exist (the position of the oldest line returned), or where a stopped scan ends. */
  next: LogPosition | null;
  /** The lines read when a scan stopped at `LOG_SCAN_LINES` before the range's start; `next` continues it. Null otherwise. */
  scanned: number | null;
}

export interface LogRepository {
  query(query: LogQuery): Promise<LogPage>;
}

/** A batch of an agent's, its message parsed. */
export interface BatchWrite {
  kind: "batch";
  hostId: string;
  at: number;
  message: SequencedAgentMessage;
  /**
   * The agent's clock minus the server's, in ms, when the batch arrived (ClockOffsetEstimator):
   * samples are stored at `t − clockOffsetMs`, log lines get `serverTs` = Docker's time shifted
   * likewise (Docker's own stays). Absent: 0, the agent's times taken as they are.
   */
  clockOffsetMs?: number;
  /**
   * The frame's JSON, as it arrived (UTF-8), when `message` is its parse less keys the schema does
   * not name (DecodeResult.json): the write queue holds the batch as a copy of these bytes alone
   * (BatchJsonWrite) for a writer that `parsesJson`.
   */
  json?: Uint8Array;
}

/**
 * A batch as its frame's JSON (UTF-8 bytes of its own), validated as it arrived (BatchWrite.json)
 * and parsed where it is stored (`parseWrite`). Held so, a batch's parsed objects, relayed to the
 * browsers already, die young rather than wait for the writer; and the bytes, outside V8's heap,
 * are neither copied by its scavenges nor promoted to its old generation, as the frame's text was
 * (a major collection every 0.3 s at 100,000 samples/s, BENCHMARKS.md figure 3).
 */
export interface BatchJsonWrite {
  kind: "batch-json";
  hostId: string;
  at: number;
  json: Uint8Array;
  clockOffsetMs?: number;
}

/** A write as a writer applies it: a batch's message parsed (`parseWrite`). */
export type ParsedWrite =
  | { kind: "hello"; hostId: string; at: number; agentVersion: string; info: HostInfo }
  | { kind: "seen"; hostId: string; at: number }
  | { kind: "inventory"; hostId: string; at: number; snapshot: InventorySnapshot }
  | BatchWrite;

/** One unit of agent data to store; all writes passed together share one transaction. */
export type TelemetryWrite = ParsedWrite | BatchJsonWrite;

/**
 * What became of a batch. Its identity is (host, incarnation, seq) plus its content (batchDigest):
 * `duplicate`: this very batch was stored before, nothing was written; `stored`: written;
 * `collided`: written too, though another batch with the same (host, incarnation, seq) and other
 * content was stored before (an agent whose numbering forked, e.g. an older agent reset). A batch
 * that was not stored is never `duplicate`. Rows from before migration 6 carry no digest and still
 * match on (host, seq) for agents that send no incarnation. Any write, batch or not, is
 * `unknown-host` when its host no longer exists (deleted while the write was queued): nothing of it
 * was written, so that nothing outlives the host or lands under another host's reused series id.
 */
export type WriteResult = "stored" | "duplicate" | "collided" | "unknown-host";

export interface TelemetryWriter {
  /**
   * Stores the writes in one transaction and tells what became of each, in order. A batch's
   * samples and log lines are stored only when their time lies in the accepted window of its
   * arrival `at` (TimeWindow: from `at` minus the longest retention to a day after `at`); the
   * others are left out, counted in `outsideWindow`, and the batch is still `stored`.
   */
  write(writes: readonly TelemetryWrite[]): Promise<WriteResult[]>;
  /**
   * Per host id, the samples and log lines of stored batches left out since the store opened
   * because their time lay outside the window (committed writes only; hosts with none are absent).
   */
  outsideWindow(): Record<string, OutsideWindow>;
  /**
   * True when calls made before earlier ones settled are still stored one after another in call
   * order (one writer thread): the write queue may then hand over its next flush early.
   */
  readonly storesInCallOrder?: boolean;
  /**
   * True when the writer parses a BatchJsonWrite off the event loop (on its own thread): the write
   * queue then holds a batch that has its frame's JSON as those bytes alone.
   */
  readonly parsesJson?: boolean;
}

/** Deletes at most `limit` rows per call so that retention never holds the database for long. */
export interface RetentionRepository {
  /**
   * Deletes raw samples before `t`, at most `limit` stored rows (a backend that keeps a series'
   * minute or hour as one row, a chunk, deletes it once its whole span is before `t`); returns how
   * many samples went.
   */
  deleteRawMetricsBefore(t: number, limit: number): Promise<number>;
  /**
   * For a backend that packs raw samples into chunks apart from its writes (PostgreSQL,
   * PgMetricPacker, packs only here; SQLite's writer packs as it writes, SqliteMetricPacker, and
   * this takes what it left when writes stopped): packs the samples of minutes that ended a short
   * delay before `now` (epoch ms; PACK_DELAY_MS; SQLite's a minute more than the writer's
   * PACK_GRACE_MS) and finished hours (PostgreSQL: hours that ended by then; SQLite: hours over by
   * then and a minute, with no staged sample left before their end, and while writes come, which
   * pack them with their budgets, only those over for an hour more), and those hours' rollup rows,
   * about `limit` samples or rows per call; returns what it moved (samples, and rollup rows on
   * PostgreSQL), `limit` or more while there are more to pack.
   */
  packRawMetrics?(now: number, limit: number): Promise<number>;
  deleteRollupsBefore(t: number, limit: number): Promise<number>;
  deleteLogsBefore(ts: string, limit: number): Promise<number>;
  /** Hosts whose stored log text exceeds the cap, with the excess in bytes. */
  hostsOverLogCap(capBytes: number): Promise<{ hostId: string; excessBytes: number }[]>;
  /** Deletes a host's oldest log lines, at most `limit`, until about `bytes` are freed; returns lines deleted. */
  deleteOldestLogs(hostId: string, bytes: number, limit: number): Promise<number>;
  /**
   * Deletes at most `limit` batches of the ledger stored before `t` (ms); returns how many. A batch
   * stored before `t` may outlive it a while (SQLite reads each run of an agent in seq order, and
   * keeps one above a batch of its run stored since), never the other way round: a resend within
   * the ledger's retention is always recognised.
   */
  deleteBatchLedgerBefore(t: number, limit: number): Promise<number>;
  /** Container events older than `t` and tombstones of containers removed before `t` (epoch ms); returns rows deleted. */
  deleteContainerHistoryBefore(t: number, limit: number): Promise<number>;
}

/** Settings an admin changes at run time, by key; values are text (JSON where structured). */
export interface SettingsRepository {
  /** The value, or null when never set (or cleared). */
  get(key: string): Promise<string | null>;
  /** Sets the value, or clears it with null; `now` in epoch ms. */
  set(key: string, value: string | null, now: number): Promise<void>;
}

/**
 * Run-once work across replicas: a replica runs a cluster-wide sweep (retention, the session sweep)
 * only while it leads that task, so that with N replicas on one database it runs once, not N times.
 */
export interface MaintenanceLease {
  /**
   * Whether this store leads `task` (a short name, e.g. "retention"): true when it holds the task's
   * lease, taken now or earlier; false while another store on the same database holds it. A lease
   * lasts until its store closes or its database session ends (a replica killed, a connection
   * lost); another store's next call then takes it. Rejects when the database cannot be asked
   * (the lease is then not held): the sweep that asked is skipped until its next interval.
   */
  tryLead(task: string): Promise<boolean>;
}

export interface Store {
  users: UserRepository;
  sessions: SessionRepository;
  loginFailures: LoginFailureRepository;
  enrolmentTokens: EnrolmentTokenRepository;
  credentialRotations: CredentialRotationRepository;
  audit: AuditRepository;
  hosts: HostRepository;
  hostCredentials: HostCredentialRepository;
  containers: ContainerRepository;
  metrics: MetricRepository;
  logs: LogRepository;
  telemetry: TelemetryWriter;
  retention: RetentionRepository;
  settings: SettingsRepository;
  maintenance: MaintenanceLease;
  /**
   * Asks the database the cheapest question it answers (`SELECT 1`): resolves when it is
   * reachable, rejects with the driver's error when it is not (a PostgreSQL server down or
   * refusing connections). The embedded SQLite file always answers.
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}
