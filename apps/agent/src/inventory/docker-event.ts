import { ContainerEventAction as ActionSchema, type ContainerEventAction } from "@crowsnest/protocol";
import { z } from "zod";

/** One line of Docker's `/events` stream, as far as the agent reads it. */
export const DockerEventMessage = z.object({
  Type: z.string(),
  Action: z.string(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()).nullish() }),
  timeNano: z.number().optional(),
  time: z.number().optional(),
});
export type DockerEventMessage = z.infer<typeof DockerEventMessage>;

export interface ParsedDockerEvent {
  containerId: string;
  action: ContainerEventAction;
  time: number;
  exitCode: number | null;
}

/**
 * Keeps the container events the dashboard shows. Docker suffixes some actions
 * ("health_status: healthy", "exec_start: sh"), so the part before ':' decides.
 */
export function parseDockerEvent(message: DockerEventMessage): ParsedDockerEvent | null {
  if (message.Type !== "container") return null;
  const action = ActionSchema.safeParse(message.Action.split(":")[0]?.trim());
  if (!action.success) return null;
  const exitText = message.Actor.Attributes?.exitCode;
  const exitCode = action.data === "die" && exitText !== undefined ? Number.parseInt(exitText, 10) : null;
  return {
    containerId: message.Actor.ID,
    action: action.data,
    time: eventTimeMs(message),
    exitCode: exitCode !== null && Number.isFinite(exitCode) ? exitCode : null,
  };
}

function eventTimeMs(message: DockerEventMessage): number {
  return message.timeNano !== undefined ? Math.floor(message.timeNano / 1e6) : (message.time ?? 0) * 1000;
}
