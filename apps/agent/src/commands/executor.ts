import {
  type Command,
  type CommandErrorCode,
  type CommandOutcome,
  ContainerAction,
  DISRUPTIVE_ACTIONS,
  protectingLabels,
  writtenLabelText,
} from "@crowsnest/protocol/agent";
import type { DockerInspect } from "../docker/answers.ts";
import { type EngineContainerActions, type EngineContainerReads, EngineError } from "../docker/engine.ts";

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** The parts of the Engine the executor uses: the actions, and inspect for the protected label. */
export type ExecutorEngine = EngineContainerActions & Pick<EngineContainerReads, "inspectContainer">;

/** Runs the seven allowed container actions through the Engine, and nothing else. */
export class CommandExecutor {
  readonly #engine: ExecutorEngine;

  constructor(engine: ExecutorEngine) {
    this.#engine = engine;
  }

  /**
   * Resolves with the outcome the server gets: `not_found`, `already_in_state` or Docker's text as
   * `docker_error` when the Engine refused; rejects (with an `unavailable` EngineError) only when
   * the Engine could not be reached, which runCommand answers for.
   */
  async execute(command: Command): Promise<CommandOutcome> {
    // Checked again here although the message schema did: this is the last line before a URL path.
    if (!CONTAINER_ID.test(command.containerId)) {
      return failure("invalid", "container id must be 64 lowercase hex digits");
    }
    if (!ContainerAction.safeParse(command.action).success) {
      return failure("invalid", `action ${JSON.stringify(command.action)} is not allowed`);
    }
    try {
      if (DISRUPTIVE_ACTIONS.has(command.action) && !command.adminAuthorized) {
        // Read the label from Docker now: it may have changed since the server last heard of it.
        const refusal = protectedRefusal(command, await this.#engine.inspectContainer(command.containerId));
        if (refusal !== null) return refusal;
      }
      return { ok: true, message: await this.#run(command) };
    } catch (err) {
      if (!(err instanceof EngineError) || err.code === "unavailable") throw err;
      return failure(COMMAND_CODES[err.code] ?? "docker_error", err.message);
    }
  }

  /** Runs the action; resolves with what was done ("stopped"). */
  async #run(command: Command): Promise<string> {
    const id = command.containerId;
    const { timeoutSeconds: t, signal, force } = command.options;
    switch (command.action) {
      case "start":
        await this.#engine.start(id);
        return "started";
      case "stop":
        await this.#engine.stop(id, { t });
        return "stopped";
      case "restart":
        await this.#engine.restart(id, { t });
        return "restarted";
      case "kill":
        await this.#engine.kill(id, { signal });
        return "killed";
      case "pause":
        await this.#engine.pause(id);
        return "paused";
      case "unpause":
        await this.#engine.unpause(id);
        return "unpaused";
      case "remove":
        await this.#engine.remove(id, { force });
        return "removed";
    }
  }
}

type FailedOutcome = Extract<CommandOutcome, { ok: false }>;

/** The Engine's refusals the server tells apart; any other is `docker_error` with Docker's text. */
const COMMAND_CODES: Partial<Record<EngineError["code"], CommandErrorCode>> = {
  not_found: "not_found",
  already_in_state: "already_in_state",
};

function protectedRefusal(command: Command, container: DockerInspect): FailedOutcome | null {
  const [protecting] = protectingLabels(container.Config.Labels ?? {});
  if (!protecting) return null;
  return failure(
    "protected",
    `container is labelled ${writtenLabelText(protecting)}; ${command.action} needs an administrator`,
  );
}

export function failure(code: CommandErrorCode, message: string): FailedOutcome {
  return { ok: false, error: { code, message: message.slice(0, 4096) } };
}
