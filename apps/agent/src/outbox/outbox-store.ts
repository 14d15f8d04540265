import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  decode,
  EventsBatch,
  GapNotice,
  LIMITS,
  LogsBatch,
  MetricsBatch,
  type SequencedAgentMessage,
} from "@crowsnest/protocol/agent";
import { z } from "zod";
import { EventsPosition } from "../inventory/events-position.ts";
import { ResumePoint } from "../logs/resume.ts";
import { writeFileAtomic } from "../state/atomic-file.ts";

const SEQUENCED = { events: EventsBatch, metrics: MetricsBatch, logs: LogsBatch, gap: GapNotice } as const;

const BatchMeta = z.object({
  seq: z.number().int().positive(),
  createdAt: z.number(),
  resume: z.record(z.string(), ResumePoint),
  /** The events stream position after the events this batch holds (events batches only). */
  events: EventsPosition.optional(),
});
export type BatchMeta = z.infer<typeof BatchMeta>;

export interface StoredBatch extends BatchMeta {
  message: SequencedAgentMessage;
  /** The message as sent on the wire. */
  text: string;
}

const OutboxState = z.object({
  nextSeq: z.number().int().positive(),
  resume: z.record(z.string(), ResumePoint),
  events: EventsPosition.optional(),
});
export type OutboxState = z.infer<typeof OutboxState>;

/**
 * The outbox on disk: one file per batch (`outbox/<seq>.batch`: a metadata line, then the
 * message exactly as sent) and `outbox-state.json` with the next sequence number, the log
 * resume positions and the events stream position. Each file is replaced atomically.
 */
export class OutboxStore {
  readonly #dir: string;
  readonly #statePath: string;

  constructor(stateDir: string) {
    this.#dir = join(stateDir, "outbox");
    this.#statePath = join(stateDir, "outbox-state.json");
  }

  async load(
    onCorrupt: (file: string, err: Error) => void,
  ): Promise<{ state: OutboxState; batches: StoredBatch[] }> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const state = await this.#readState();
    const batches: StoredBatch[] = [];
    for (const file of await readdir(this.#dir)) {
      const path = join(this.#dir, file);
      if (file.endsWith(".tmp")) {
        await rm(path, { force: true }); // an interrupted write; the rename never happened
        continue;
      }
      if (!file.endsWith(".batch")) continue;
      try {
        batches.push(parseBatch(await readFile(path, "utf8")));
      } catch (err) {
        // Keep it for a human to look at, out of the way of the resend.
        await rename(path, `${path}.corrupt`);
        onCorrupt(path, err as Error);
      }
    }
    batches.sort((a, b) => a.seq - b.seq);
    return { state, batches };
  }

  async writeBatch(batch: StoredBatch): Promise<void> {
    const { seq, createdAt, resume, events } = batch;
    const meta: BatchMeta = { seq, createdAt, resume, events };
    await writeFileAtomic(this.#batchPath(batch.seq), `${JSON.stringify(meta)}\n${batch.text}`);
  }

  async writeState(state: OutboxState): Promise<void> {
    await writeFileAtomic(this.#statePath, JSON.stringify(state));
  }

  async deleteBatch(seq: number): Promise<void> {
    await rm(this.#batchPath(seq), { force: true });
  }

  #batchPath(seq: number): string {
    return join(this.#dir, `${String(seq).padStart(16, "0")}.batch`);
  }

  async #readState(): Promise<OutboxState> {
    let text: string;
    try {
      text = await readFile(this.#statePath, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { nextSeq: 1, resume: {} };
      throw err;
    }
    return OutboxState.parse(JSON.parse(text));
  }
}

function parseBatch(content: string): StoredBatch {
  const newline = content.indexOf("\n");
  if (newline < 0) throw new Error("batch file has no metadata line");
  const meta = BatchMeta.parse(JSON.parse(content.slice(0, newline)));
  const text = content.slice(newline + 1);
  const decoded = decode(SEQUENCED, text, { maxBytes: LIMITS.agentFrameBytes });
  if (!decoded.ok) throw new Error(decoded.error.message);
  if (decoded.message.seq !== meta.seq)
    throw new Error(`batch file seq ${meta.seq} holds seq ${decoded.message.seq}`);
  return { ...meta, message: decoded.message, text };
}
