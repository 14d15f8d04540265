import { ContainerEventAction as ActionSchema, type ContainerEventAction } from "@crowsnest/protocol/agent";
import type { DockerEventMessage } from "../docker/answers.ts";

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
