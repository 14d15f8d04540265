import { createHash } from "node:crypto";
import type { SequencedAgentMessage } from "@crowsnest/protocol";

/**
 * The content part of a batch's identity: SHA-256, as 64 hex digits, of the batch as parsed. A
 * resend of a batch (the agent keeps its exact text) gives the same digest; another batch under
 * the same (host, incarnation, seq) gives another, so it is stored rather than taken for a resend.
 */
export function batchDigest(message: SequencedAgentMessage): string {
  return createHash("sha256").update(JSON.stringify(message)).digest("hex");
}
