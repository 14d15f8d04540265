import { randomBytes } from "node:crypto";
import {
  type ContainerEvent,
  encode,
  LIMITS,
  type LogDrop,
  type LogLine,
  type MetricSample,
  type SequencedAgentMessage,
} from "@crowsnest/protocol/agent";
import type { EventsPosition } from "../inventory/events-position.ts";
import type { Logger } from "../logger.ts";
import type { ResumePoint } from "../logs/resume.ts";
import type { OutboxStore, StoredBatch } from "./outbox-store.ts";

/**
 * The longest an item waits for the batch in flight to be acked before it is cut anyway (a slow
 * or absent server): the worst case of the Nagle-style policy (see Outbox), as before it.
 */
export const FLUSH_INTERVAL_MS = 250;
/**
 * A batch is cut at this many (estimated) bytes, in flight or not: so that a metrics batch's frame,
 * text on the server, stays under 128 KiB, V8's largest object of its young generation
 * (`kMaxRegularHeapObjectSize`), even at 400 bytes a sample (SAMPLE_BYTES is the estimate). A larger
 * string is a large object of its own: the server decoded 150 KiB frames of samples in 1.7 times
 * the time a sample it took for frames of 48 KiB (1.9 with its compiled check;
 * bench/suites/agent-frames.ts, BENCHMARKS.md figure 3). Below that, a host of a few hundred
 * containers sends a round's samples in one batch, and each cut costs the agent a batch file and
 * its state file written.
 */
export const FLUSH_BYTES = 100 * 1024;
/** Metric samples are small and uniform; estimating them saves a JSON.stringify per sample. */
export const SAMPLE_BYTES = 320;

/**
 * The key under which agents before EventsPosition kept the events stream position (a count of
 * events to skip) among the log positions; on load only its `since` is taken over.
 */
const LEGACY_EVENTS_KEY = "events";

interface Pending {
  events: ContainerEvent[];
  eventsPosition: EventsPosition | null;
  samples: MetricSample[];
  lines: LogLine[];
  drops: Map<string, LogDrop>;
  resume: Map<string, ResumePoint>;
  bytes: number;
}

interface Dropped {
  batches: number;
  samples: number;
  lines: number;
  events: number;
  from: number;
  to: number;
}

/**
 * A batch as kept in memory until acked: only its wire text and what it holds (for a gap
 * notice, should it be dropped); the message object is not kept, so memory follows the budget.
 */
interface Batch {
  seq: number;
  text: string;
  bytes: number;
  contents: Dropped;
}

/**
 * Sequence-numbered batches that stay until the server acks them.
 *
 * When batches are cut (Nagle-style): with nothing in flight (no batch cut and not yet acked),
 * what arrives is cut at once, at the end of the current turn of the event loop so that the lines
 * of one read travel together; while a batch is in flight, items gather until its ack (then they
 * are cut at once), FLUSH_BYTES, a per-batch item limit or FLUSH_INTERVAL_MS after the first,
 * whichever comes first. A quiet agent thus sends each line within milliseconds, and a busy one
 * sends batches as fast as the server stores them, each holding what came during the last round trip.
 *
 * Delivery across an agent restart: a batch is written to disk (with the log resume positions
 * of the lines it holds) before it is sent, and the sequence counter and resume positions are
 * persisted right after. A restarted agent therefore resends exactly the unacked batches under
 * their original seq (the server ignores a seq it already stored: no duplicate) and re-reads
 * Docker's log only after the last line that made it into a batch (no loss). The alternative,
 * committing a log position only on ack, would re-read lines whose batch the server had stored
 * but not yet acked, and send them again under a new seq: duplicates.
 *
 * Identity across resets, restored backups and clones of the state directory: every run of the
 * agent is a new incarnation (a random id made by `open`), and each batch carries the incarnation
 * that cut it, also when it is resent from disk by a later run. The server deduplicates on (host,
 * incarnation, seq) and the content, so a run whose sequence numbers went back (state lost or
 * older) or run beside a copy of itself never has a new batch taken for a stored one.
 */
export class Outbox {
  readonly #store: OutboxStore;
  readonly #budgetBytes: number;
  readonly #log: Logger;
  readonly #batches = new Map<number, Batch>();
  readonly #resume: Map<string, ResumePoint>;
  #events: EventsPosition | null;
  /** 16 random bytes, base64url: this run's incarnation (see the class comment). */
  readonly incarnation = randomBytes(16).toString("base64url");
  #nextSeq: number;
  #totalBytes = 0;
  #pending: Pending = emptyPending();
  #dropped: Dropped | null = null;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  /** Batches cut and still being written to disk (not yet in #batches, soon sent). */
  #cutting = 0;
  #chain: Promise<void> = Promise.resolve();
  #send: ((text: string) => void) | null = null;

  static async open(store: OutboxStore, budgetBytes: number, log: Logger): Promise<Outbox> {
    const { state, batches } = await store.load((file, err) =>
      log.error("unreadable outbox batch set aside", { file, err }),
    );
    const resume = new Map(Object.entries(state.resume));
    const legacy = resume.get(LEGACY_EVENTS_KEY);
    resume.delete(LEGACY_EVENTS_KEY);
    let events = state.events ?? (legacy === undefined ? null : { since: legacy.since, seen: [] });
    let nextSeq = state.nextSeq;
    for (const batch of batches) {
      nextSeq = Math.max(nextSeq, batch.seq + 1);
      // Batches newer than the state file carry positions the agent had no time to persist there.
      if (batch.seq >= state.nextSeq) {
        for (const [id, point] of Object.entries(batch.resume)) resume.set(id, point);
        events = batch.events ?? events;
      }
    }
    const outbox = new Outbox(store, budgetBytes, log, nextSeq, resume, events);
    for (const batch of batches) outbox.#keep(batch);
    log.info("outbox loaded", { unacked: batches.length, nextSeq });
    return outbox;
  }

  private constructor(
    store: OutboxStore,
    budgetBytes: number,
    log: Logger,
    nextSeq: number,
    resume: Map<string, ResumePoint>,
    events: EventsPosition | null,
  ) {
    this.#store = store;
    this.#budgetBytes = budgetBytes;
    this.#log = log;
    this.#nextSeq = nextSeq;
    this.#resume = resume;
    this.#events = events;
  }

  /** Log positions whose lines are safely in the outbox (or already acked), by container id. */
  get resumePositions(): ReadonlyMap<string, ResumePoint> {
    return this.#resume;
  }

  /** The position in Docker's events stream after the last event safely in the outbox. */
  get eventsPosition(): EventsPosition | null {
    return this.#events;
  }

  get unackedCount(): number {
    return this.#batches.size;
  }

  addEvent(event: ContainerEvent, position: EventsPosition): void {
    this.#pending.events.push(event);
    this.#pending.eventsPosition = position;
    this.#added(
      Buffer.byteLength(JSON.stringify(event)),
      this.#pending.events.length >= LIMITS.eventsPerBatch,
    );
  }

  addSamples(samples: readonly MetricSample[]): void {
    for (const sample of samples) {
      this.#pending.samples.push(sample);
      this.#added(SAMPLE_BYTES, this.#pending.samples.length >= LIMITS.metricSamplesPerBatch);
    }
  }

  addLine(line: LogLine, position: ResumePoint): void {
    this.#pending.lines.push(line);
    this.#pending.resume.set(line.containerId, position);
    this.#added(
      Buffer.byteLength(JSON.stringify(line)),
      this.#pending.lines.length >= LIMITS.logLinesPerBatch,
    );
  }

  /**
   * Lines a container lost before they were read (see LogDrop); a batch holds one drop per
   * container: several merge into one spanning them all, its count unknown if any one's is.
   */
  addDrop(drop: LogDrop, position: ResumePoint): void {
    const before = this.#pending.drops.get(drop.containerId);
    this.#pending.drops.set(
      drop.containerId,
      before === undefined
        ? drop
        : {
            ...drop,
            count: before.count === null || drop.count === null ? null : before.count + drop.count,
            from: Math.min(before.from, drop.from),
            to: Math.max(before.to, drop.to),
          },
    );
    this.#pending.resume.set(drop.containerId, position);
    this.#added(0, false);
  }

  /** A destroyed container's log position is no longer needed. */
  forgetResume(containerId: string): void {
    this.#resume.delete(containerId);
    this.#pending.resume.delete(containerId);
  }

  ack(seq: number): void {
    const batch = this.#batches.get(seq);
    if (batch === undefined) {
      this.#log.debug("ack for a batch not in the outbox", { seq });
      return;
    }
    this.#forget(batch);
    if (this.#inFlight() === 0 && this.#hasPending()) this.#cutSoon();
  }

  /**
   * Numbers the next batches above `lastStoredSeq` (the server's `welcome`), when they are not
   * already: the seq stays unique per host even on a server that deduplicates on (host, seq) alone.
   */
  continueAbove(lastStoredSeq: number | null): void {
    if (lastStoredSeq === null || lastStoredSeq < this.#nextSeq) return;
    this.#log.info("numbering continues above the server's last stored seq", {
      nextSeq: this.#nextSeq,
      lastStoredSeq,
    });
    this.#nextSeq = lastStoredSeq + 1;
    this.#enqueue("could not persist the outbox state", () => this.#writeState());
  }

  /** Goes live on a fresh connection: resends every unacked batch in seq order, then sends new ones as cut. */
  attach(send: (text: string) => void): void {
    this.#send = send;
    for (const batch of this.#batches.values()) send(batch.text);
  }

  detach(): void {
    this.#send = null;
  }

  /** Cuts what is pending into batches; resolves once they (and everything before) are on disk. */
  flush(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#immediate !== null) {
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
    const batches = this.#cut();
    if (batches.length > 0) {
      this.#cutting += batches.length;
      this.#enqueue("could not persist outbox batches", () => this.#persist(batches));
    }
    return this.#chain;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#send = null;
  }

  #added(bytes: number, full: boolean): void {
    this.#pending.bytes += bytes;
    if (full || this.#pending.bytes >= FLUSH_BYTES) {
      this.#flushInBackground();
    } else if (this.#inFlight() === 0) {
      this.#cutSoon();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#flushInBackground(), FLUSH_INTERVAL_MS);
    }
  }

  /** Batches cut and not yet acked: on the wire, or (detached) waiting to be resent. */
  #inFlight(): number {
    return this.#batches.size + this.#cutting;
  }

  #hasPending(): boolean {
    const p = this.#pending;
    return p.events.length + p.samples.length + p.lines.length + p.drops.size > 0;
  }

  /** Cuts at the end of this turn of the event loop: what one read delivers goes in one batch. */
  #cutSoon(): void {
    this.#immediate ??= setImmediate(() => {
      this.#immediate = null;
      this.#flushInBackground();
    });
  }

  #flushInBackground(): void {
    void this.flush();
  }

  /**
   * Disk work runs one task at a time, in order. A failed task is logged and the queue goes on:
   * its batches stay in memory only, so they are still sent, just not kept across a restart.
   */
  #enqueue(what: string, task: () => Promise<void>): void {
    this.#chain = this.#chain
      .then(task)
      .catch((err: unknown) => this.#log.error(what, { err: err as Error }));
  }

  /** Turns pending items into at most one batch per kind; seqs are assigned here, in order. */
  #cut(): StoredBatch[] {
    const pending = this.#pending;
    this.#pending = emptyPending();
    const now = Date.now();
    const out: StoredBatch[] = [];
    const make = (
      message: SequencedAgentMessage,
      resume: Record<string, ResumePoint>,
      events?: EventsPosition,
    ) => out.push({ seq: message.seq, createdAt: now, resume, events, message, text: encode(message) });
    if (pending.events.length > 0) {
      // Each batch carries the positions of what it holds, so a batch on disk is never re-read.
      make(
        { type: "events", seq: this.#nextSeq++, incarnation: this.incarnation, events: pending.events },
        {},
        pending.eventsPosition ?? undefined,
      );
    }
    if (pending.samples.length > 0) {
      make(
        { type: "metrics", seq: this.#nextSeq++, incarnation: this.incarnation, samples: pending.samples },
        {},
      );
    }
    if (pending.lines.length > 0 || pending.drops.size > 0) {
      make(
        {
          type: "logs",
          seq: this.#nextSeq++,
          incarnation: this.incarnation,
          lines: pending.lines,
          drops: [...pending.drops.values()],
        },
        Object.fromEntries(pending.resume),
      );
    }
    return out;
  }

  async #persist(batches: StoredBatch[]): Promise<void> {
    try {
      for (const batch of batches) await this.#store.writeBatch(batch);
    } finally {
      // Sent only after their files are on disk (a seq the server stored is never reused after a
      // crash); if the disk failed they are still delivered by this process. The state file need
      // not be written first: a restart takes the seq counter and the positions from batch files
      // newer than it (see open), and an ack's delete is queued behind the state write below.
      this.#cutting -= batches.length;
      for (const batch of batches) this.#keep(batch, true);
    }
    for (const batch of batches) {
      for (const [id, point] of Object.entries(batch.resume)) this.#resume.set(id, point);
      this.#events = batch.events ?? this.#events;
    }
    await this.#writeState();
    await this.#enforceBudget();
  }

  async #writeState(): Promise<void> {
    await this.#store.writeState({
      nextSeq: this.#nextSeq,
      resume: Object.fromEntries(this.#resume),
      events: this.#events ?? undefined,
    });
  }

  #keep(stored: StoredBatch, sendNow = false): void {
    const batch: Batch = {
      seq: stored.seq,
      text: stored.text,
      bytes: Buffer.byteLength(stored.text),
      contents: contentsOf(stored),
    };
    this.#batches.set(batch.seq, batch);
    this.#totalBytes += batch.bytes;
    if (sendNow) this.#send?.(batch.text);
  }

  #forget(batch: Batch): void {
    this.#batches.delete(batch.seq);
    this.#totalBytes -= batch.bytes;
    this.#enqueue("could not delete an acked outbox batch", () => this.#store.deleteBatch(batch.seq));
  }

  /** Over budget: drop the oldest batches, then tell the server what is gone with one gap notice. */
  async #enforceBudget(): Promise<void> {
    if (this.#totalBytes <= this.#budgetBytes) return;
    while (this.#totalBytes > this.#budgetBytes && this.#batches.size > 1) {
      const oldest = this.#batches.values().next().value as Batch;
      this.#batches.delete(oldest.seq);
      this.#totalBytes -= oldest.bytes;
      await this.#store.deleteBatch(oldest.seq);
      this.#countDropped(oldest);
    }
    const dropped = this.#dropped;
    if (dropped === null) return;
    this.#dropped = null;
    const gap: SequencedAgentMessage = {
      type: "gap",
      seq: this.#nextSeq++,
      incarnation: this.incarnation,
      droppedBatches: dropped.batches,
      droppedSamples: dropped.samples,
      droppedLines: dropped.lines,
      droppedEvents: dropped.events,
      from: dropped.from,
      to: dropped.to,
    };
    this.#log.warn("outbox over its byte budget: oldest batches dropped", { ...gap });
    const batch: StoredBatch = {
      seq: gap.seq,
      createdAt: Date.now(),
      resume: {},
      message: gap,
      text: encode(gap),
    };
    await this.#store.writeBatch(batch);
    await this.#writeState();
    this.#keep(batch, true);
  }

  #countDropped(batch: Batch): void {
    const c = batch.contents;
    const d = this.#dropped;
    if (d === null) {
      this.#dropped = { ...c };
      return;
    }
    d.batches += c.batches;
    d.samples += c.samples;
    d.lines += c.lines;
    d.events += c.events;
    d.from = Math.min(d.from, c.from);
    d.to = Math.max(d.to, c.to);
  }
}

/** What is lost if this batch is dropped; a gap notice's own counts carry over to the next one. */
function contentsOf(batch: StoredBatch): Dropped {
  const m = batch.message;
  if (m.type === "gap") {
    return {
      batches: m.droppedBatches,
      samples: m.droppedSamples,
      lines: m.droppedLines,
      events: m.droppedEvents,
      from: m.from,
      to: m.to,
    };
  }
  return {
    batches: 1,
    samples: m.type === "metrics" ? m.samples.length : 0,
    lines: m.type === "logs" ? m.lines.length + m.drops.reduce((n, drop) => n + (drop.count ?? 0), 0) : 0,
    events: m.type === "events" ? m.events.length : 0,
    from: batch.createdAt,
    to: batch.createdAt,
  };
}

function emptyPending(): Pending {
  return {
    events: [],
    eventsPosition: null,
    samples: [],
    lines: [],
    drops: new Map(),
    resume: new Map(),
    bytes: 0,
  };
}
