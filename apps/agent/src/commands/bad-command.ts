import type { CommandResult } from "@crowsnest/protocol/agent";
import { z } from "zod";
import { failure } from "./executor.ts";

const CommandEnvelope = z.object({ type: z.literal("command"), command: z.object({ id: z.uuid() }) });

/**
 * A command frame that failed validation (say, a container id like `../containers/json`) never
 * reaches Docker; if its id is readable, the server still gets an answer saying why.
 */
export function rejectBadCommand(frame: string, reason: string): CommandResult | null {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    return null; // not JSON at all: nothing to answer, and the decode error is already logged
  }
  const envelope = CommandEnvelope.safeParse(value);
  if (!envelope.success) return null;
  return { type: "command_result", commandId: envelope.data.command.id, outcome: failure("invalid", reason) };
}
