import type { Command, CommandOutcome } from "@crowsnest/protocol/agent";
import { describeError, type Logger } from "../logger.ts";
import { failure } from "./executor.ts";

/**
 * Runs one command and always resolves with the outcome to send back: whatever goes wrong on
 * the way (Docker, a thrown non-Error, the logger) becomes a `docker_error` outcome, because the
 * server waits for an answer to every command it sent and a rejected promise would give none.
 */
export async function runCommand(
  execute: (command: Command) => Promise<CommandOutcome>,
  command: Command,
  log: Logger,
): Promise<CommandOutcome> {
  const ids = { commandId: command.id, action: command.action, containerId: command.containerId };
  try {
    log.info("command received", ids);
    const outcome = await execute(command);
    log.info("command done", { commandId: command.id, ok: outcome.ok });
    return outcome;
  } catch (err) {
    const message = err instanceof Error ? describeError(err) : `command failed: ${String(err)}`;
    try {
      log.error("command failed", { ...ids, message });
    } catch {
      // The answer matters more than the log line.
    }
    return failure("docker_error", message);
  }
}
