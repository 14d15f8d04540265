import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { helloMessage } from "../../packages/protocol/test/fixtures.ts";
import { buildDashboardIfStale, WEB_DIR } from "../../scripts/dashboard-build.ts";
import { ApiClient } from "./api-client.ts";
import { removeLabelled } from "./containers.ts";
import { requireDockerEngine } from "./docker-cli.ts";
import { ADMIN_PASSWORD, type ManagedProcess, ServerProcess, startAgent } from "./processes.ts";
import { expectOpen, nextMatching, type Opened, send } from "./raw-sockets.ts";

// The one builder of a test `hello`, shared with the protocol package's own tests.
export { helloMessage };

/**
 * What a whole-system test stands on: a temporary directory, a real server process in it, the
 * containers of one test label, and the agents started for it — all removed by stop().
 */
export class Rig {
  readonly dir: string;
  readonly label: string;
  readonly server: ServerProcess;
  readonly #agents: ManagedProcess[] = [];

  private constructor(dir: string, label: string, server: ServerProcess) {
    this.dir = dir;
    this.label = label;
    this.server = server;
  }

  static async start(
    label: string,
    options: { dataDir?: string; serverEnv?: NodeJS.ProcessEnv; dashboard?: boolean } = {},
  ): Promise<Rig> {
    await requireDockerEngine();
    await removeLabelled(label);
    // The browser tests serve the production build, made here when missing or stale.
    if (options.dashboard) buildDashboardIfStale((message) => console.log(message));
    const dir = mkdtempSync(join(tmpdir(), "crowsnest-rig-"));
    const server = await ServerProcess.start({
      dataDir: options.dataDir ?? join(dir, "server"),
      env: { ...(options.dashboard ? { CROWSNEST_WEB_DIR: WEB_DIR } : {}), ...options.serverEnv },
    });
    return new Rig(dir, label, server);
  }

  /** Creates a host and starts a real agent for it, with its own state directory. */
  async addAgent(
    name: string,
    options: { serverUrl?: string; args?: string[]; env?: NodeJS.ProcessEnv } = {},
  ): Promise<{ hostId: string; token: string; agent: ManagedProcess; stateDir: string }> {
    const { hostId, token } = await this.server.addHost(name);
    const stateDir = join(this.dir, `agent-${name}`);
    const agent = startAgent({
      serverUrl: options.serverUrl ?? this.server.agentUrl,
      token,
      stateDir,
      args: options.args,
      env: options.env,
    });
    this.#agents.push(agent);
    return { hostId, token, agent, stateDir };
  }

  /** Starts another agent process on an existing state directory (after a kill). */
  restartAgent(token: string, stateDir: string): ManagedProcess {
    const agent = startAgent({ serverUrl: this.server.agentUrl, token, stateDir });
    this.#agents.push(agent);
    return agent;
  }

  admin(): Promise<ApiClient> {
    return ApiClient.login(this.server.baseUrl, "admin", ADMIN_PASSWORD);
  }

  /** A protocol-level agent for a new host: the socket, already welcomed. */
  async protocolAgent(name: string): Promise<{ hostId: string; token: string; socket: Opened }> {
    const { hostId, token } = await this.server.addHost(name);
    return { hostId, token, socket: await welcomedSocket(this.server, token) };
  }

  async stop(): Promise<void> {
    for (const agent of this.#agents) await agent.kill();
    await this.server.stop();
    await removeLabelled(this.label);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Connects to /ws/agent with the token, says hello, and waits for the welcome. */
export async function welcomedSocket(server: ServerProcess, token: string): Promise<Opened> {
  const opened = await expectOpen(server.agentUrl, { authorization: `Bearer ${token}` });
  send(opened, helloMessage("protocol-agent"));
  await nextMatching(opened, (m) => (m as { type: string }).type === "welcome");
  return opened;
}
