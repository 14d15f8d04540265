import {
  type Command,
  type CommandErrorCode,
  type CommandOutcome,
  ContainerAction,
  DISRUPTIVE_ACTIONS,
  protectingLabels,
  writtenLabelText,
} from "@crowsnest/protocol";
import { type DockerClient, type Query, toDockerError } from "../docker/client.ts";
import { DockerInspect } from "../docker/inspect.ts";

const CONTAINER_ID = /^[0-9a-f]{64}$/;

interface DockerCall {
  method: "POST" | "DELETE";
  path: string;
  query: Query;
  done: string;
}

/** Runs the seven allowed container actions against the Engine API, and nothing else. */
export class CommandExecutor {
  readonly #docker: DockerClient;

  constructor(docker: DockerClient) {
    this.#docker = docker;
  }

  async execute(command: Command): Promise<CommandOutcome> {
    // Checked again here although the message schema did: this is the last line before a URL path.
    if (!CONTAINER_ID.test(command.containerId)) {
      return failure("invalid", "container id must be 64 lowercase hex digits");
    }
    if (!ContainerAction.safeParse(command.action).success) {
      return failure("invalid", `action ${JSON.stringify(command.action)} is not allowed`);
    }
    if (DISRUPTIVE_ACTIONS.has(command.action) && !command.adminAuthorized) {
      // Read the label from Docker now: it may have changed since the server last heard of it.
      const inspected = await this.#inspect(command.containerId);
      if (!inspected.ok) return inspected;
      const [protecting] = protectingLabels(inspected.container.Config.Labels ?? {});
      if (protecting) {
        return failure(
          "protected",
          `container is labelled ${writtenLabelText(protecting)}; ${command.action} needs an administrator`,
        );
      }
    }
    const call = dockerCall(command);
    const timeoutMs = ((command.options.timeoutSeconds ?? 10) + 30) * 1000;
    const response = await this.#docker.request(call.method, call.path, call.query, timeoutMs);
    if (response.status >= 200 && response.status <= 299) return { ok: true, message: call.done };
    const failed = dockerFailure(response.status, toDockerError(response).message);
    return failed.error.code === "docker_error" ? await this.#explainRefusal(command, failed) : failed;
  }

  /**
   * Docker answers 304 for start/stop of a container already there, but an error (409 or 500,
   * depending on the Engine version, with varying text) for pausing a paused or unpausing a
   * running one. So the container's state decides whether the refusal means "already in that state".
   */
  async #explainRefusal(command: Command, failed: CommandOutcome): Promise<CommandOutcome> {
    const target = ALREADY_STATE[command.action];
    if (target === undefined) return failed;
    const inspected = await this.#inspect(command.containerId);
    if (!inspected.ok || inspected.container.State.Status !== target) return failed;
    return failure("already_in_state", `container is already ${target}`);
  }

  async #inspect(id: string): Promise<{ ok: true; container: DockerInspect } | FailedOutcome> {
    const inspected = await this.#docker.request("GET", `/containers/${id}/json`);
    if (inspected.status !== 200) return dockerFailure(inspected.status, toDockerError(inspected).message);
    return { ok: true, container: DockerInspect.parse(JSON.parse(inspected.body)) };
  }
}

type FailedOutcome = Extract<CommandOutcome, { ok: false }>;

/** The state in which a refused pause or unpause has nothing left to do. */
const ALREADY_STATE: Partial<Record<Command["action"], string>> = { pause: "paused", unpause: "running" };

function dockerCall(command: Command): DockerCall {
  const base = `/containers/${command.containerId}`;
  const { timeoutSeconds, signal, force } = command.options;
  switch (command.action) {
    case "start":
      return { method: "POST", path: `${base}/start`, query: {}, done: "started" };
    case "stop":
      return { method: "POST", path: `${base}/stop`, query: { t: timeoutSeconds }, done: "stopped" };
    case "restart":
      return { method: "POST", path: `${base}/restart`, query: { t: timeoutSeconds }, done: "restarted" };
    case "kill":
      return { method: "POST", path: `${base}/kill`, query: { signal }, done: "killed" };
    case "pause":
      return { method: "POST", path: `${base}/pause`, query: {}, done: "paused" };
    case "unpause":
      return { method: "POST", path: `${base}/unpause`, query: {}, done: "unpaused" };
    case "remove":
      return { method: "DELETE", path: base, query: { force: force ? 1 : undefined }, done: "removed" };
  }
}

function dockerFailure(status: number, message: string): FailedOutcome {
  if (status === 404) return failure("not_found", message);
  if (status === 304) return failure("already_in_state", "container is already in that state");
  return failure("docker_error", message);
}

export function failure(code: CommandErrorCode, message: string): FailedOutcome {
  return { ok: false, error: { code, message: message.slice(0, 4096) } };
}
