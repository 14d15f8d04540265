import {
  type Command,
  type CommandErrorCode,
  type CommandOutcome,
  ContainerAction,
  DISRUPTIVE_ACTIONS,
  isProtected,
  PROTECTED_LABEL,
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
      const inspected = await this.#docker.request("GET", `/containers/${command.containerId}/json`);
      if (inspected.status !== 200) return dockerFailure(inspected.status, toDockerError(inspected).message);
      const labels = DockerInspect.parse(JSON.parse(inspected.body)).Config.Labels ?? {};
      if (isProtected(labels)) {
        return failure(
          "protected",
          `container is labelled ${PROTECTED_LABEL}=true; ${command.action} needs an administrator`,
        );
      }
    }
    const call = dockerCall(command);
    const timeoutMs = ((command.options.timeoutSeconds ?? 10) + 30) * 1000;
    const response = await this.#docker.request(call.method, call.path, call.query, timeoutMs);
    if (response.status >= 200 && response.status <= 299) return { ok: true, message: call.done };
    return dockerFailure(response.status, toDockerError(response).message);
  }
}

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

function dockerFailure(status: number, message: string): CommandOutcome {
  if (status === 404) return failure("not_found", message);
  if (status === 304) return failure("already_in_state", "container is already in that state");
  return failure("docker_error", message);
}

export function failure(code: CommandErrorCode, message: string): CommandOutcome {
  return { ok: false, error: { code, message: message.slice(0, 4096) } };
}
