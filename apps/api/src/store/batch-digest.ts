import { createHash } from "node:crypto";
import type { SequencedAgentMessage } from "@crowsnest/protocol";
import { SAMPLE_FIELDS } from "./metric-chunk.ts";

/** Bytes of one sample in a metrics batch's digest: its container id, then each of SAMPLE_FIELDS as a double. */
const ID_BYTES = 64;
const SAMPLE_BYTES = ID_BYTES + 8 * SAMPLE_FIELDS.length;

/**
 * The content part of a batch's identity: SHA-256, as 64 hex digits, of the batch as parsed. A
 * resend of a batch gives the same digest; another batch under the same (host, incarnation, seq)
 * gives another, so it is stored rather than taken for a resend.
 *
 * A metrics batch is hashed from a fixed layout of its samples (each container id's 64 characters,
 * then each number as a little-endian double, a null as NaN, which JSON cannot carry): serializing
 * its hundreds of samples as JSON cost a fifth of the SQLite writer's time (BENCHMARKS.md figure 3).
 * Its digests differ from those of the JSON form stored before: a batch stored then and resent now
 * is taken for another and stored again, which costs a metrics batch nothing (a sample's time is
 * stored once, metric-packer.ts). Any other batch, and a metrics batch with a container id not of
 * Docker's 64 hex digits (the protocol refuses those), is hashed as JSON.
 */
export function batchDigest(message: SequencedAgentMessage): string {
  if (message.type === "metrics" && message.samples.every((s) => s.containerId.length === ID_BYTES)) {
    const layout = Buffer.alloc(message.samples.length * SAMPLE_BYTES);
    message.samples.forEach((sample, i) => {
      const at = i * SAMPLE_BYTES;
      layout.write(sample.containerId, at, ID_BYTES, "latin1");
      SAMPLE_FIELDS.forEach((key, k) => {
        layout.writeDoubleLE(sample[key] ?? Number.NaN, at + ID_BYTES + 8 * k);
      });
    });
    return createHash("sha256")
      .update(
        `metrics ${message.seq} ${JSON.stringify(message.incarnation ?? null)} ${message.samples.length}\n`,
      )
      .update(layout)
      .digest("hex");
  }
  return createHash("sha256").update(JSON.stringify(message)).digest("hex");
}
