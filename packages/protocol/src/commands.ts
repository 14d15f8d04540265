import { z } from "zod";
import { ContainerId } from "./ids.ts";

export const ContainerAction = z.enum(["start", "stop", "restart", "kill", "pause", "unpause", "remove"]);
export type ContainerAction = z.infer<typeof ContainerAction>;

/** Actions that interrupt a running workload; on a protected container only an ADMIN may send them. */
export const DISRUPTIVE_ACTIONS: ReadonlySet<ContainerAction> = new Set([
  "stop",
  "restart",
  "kill",
  "pause",
  "remove",
]);

export const ActionOptions = z
  .object({
    /** stop, restart: seconds Docker waits before it kills. */
    timeoutSeconds: z.number().int().min(0).max(600).optional(),
    /** kill: a signal name such as SIGTERM, or a number. */
    signal: z
      .string()
      .regex(/^(SIG[A-Z0-9+-]{1,12}|[0-9]{1,2})$/, "must be a signal name like SIGTERM or a number")
      .optional(),
    /** remove: kill it first if it is running. */
    force: z.boolean().optional(),
  })
  .strict();
export type ActionOptions = z.infer<typeof ActionOptions>;

/** The options each action takes; any other one is refused rather than silently ignored. */
export const OPTIONS_OF_ACTION: Readonly<Record<ContainerAction, readonly (keyof ActionOptions)[]>> = {
  start: [],
  stop: ["timeoutSeconds"],
  restart: ["timeoutSeconds"],
  kill: ["signal"],
  pause: [],
  unpause: [],
  remove: ["force"],
};

export const CommandErrorCode = z.enum([
  "not_found",
  "already_in_state",
  "protected",
  "invalid",
  "docker_error",
  "timeout",
]);
export type CommandErrorCode = z.infer<typeof CommandErrorCode>;

export const Command = z.object({
  id: z.uuid(),
  containerId: ContainerId,
  action: ContainerAction,
  options: ActionOptions,
  /** Set by the server only when an ADMIN sent it; the agent refuses disruptive actions on protected containers without it. */
  adminAuthorized: z.boolean(),
});
export type Command = z.infer<typeof Command>;

export const CommandOutcome = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), message: z.string().max(1_024) }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: CommandErrorCode, message: z.string().max(4_096) }),
  }),
]);
export type CommandOutcome = z.infer<typeof CommandOutcome>;
