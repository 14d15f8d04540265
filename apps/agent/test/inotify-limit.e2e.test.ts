/**
 * The agent's warning about the host's inotify instance limit (issue 15): dockerd watches each log
 * the agent follows with an inotify instance and polls the rest, so the real agent process warns
 * once at start when it follows more containers than the limit allows. The limit it reads is set
 * for the agent alone: it runs in a mount namespace of its own (util-linux `unshare`, as root) where
 * a file holding the limit is bound over /proc/sys/fs/inotify/max_user_instances, so the host's
 * setting, dockerd and the other tests are untouched and no test needs more than the limit's
 * worth of containers.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeLabelled, runContainer } from "../../../test/support/containers.ts";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "inotify-test-token-0123456789abcdef0";
const LABEL = "crowsnest.test=agent-inotify";

describe("the host's inotify instance limit", () => {
  const server = new FakeServer({ token: TOKEN });
  let dir = "";

  /** The agent's structured log lines about the limit, when the host allows `limit` instances. */
  async function inotifyWarnings(limit: number): Promise<Record<string, unknown>[]> {
    const limitFile = join(dir, `limit-${limit}`);
    await writeFile(limitFile, `${limit}\n`);
    const before = server.received.length;
    const agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      wrapper: [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        'mount --bind "$0" /proc/sys/fs/inotify/max_user_instances && exec "$@"',
        limitFile,
      ],
    });
    try {
      // The check runs once the inventory is read, before the agent connects.
      await server.waitFor(() => server.received.slice(before).find((m) => m.type === "inventory"), 60_000);
    } finally {
      await agent.stop();
    }
    return agent.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.sysctl !== undefined);
  }

  beforeAll(async () => {
    await removeLabelled(LABEL);
    dir = await mkdtemp(join(tmpdir(), "crowsnest-inotify-"));
    await server.start();
    // Two idle containers of its own: more than a limit of 1, whatever else the Engine runs.
    for (let i = 0; i < 2; i++) await runContainer({ label: LABEL, command: ["sleep", "1000000"] });
  });
  afterAll(async () => {
    await server.stop();
    await removeLabelled(LABEL);
    await rm(dir, { recursive: true, force: true });
  });

  it("is warned about once, with the sysctl to raise, when the agent follows more containers", async () => {
    const warnings = await inotifyWarnings(1);
    expect(warnings).toHaveLength(1);
    const [warning] = warnings;
    expect(warning).toMatchObject({ level: "warn", sysctl: "fs.inotify.max_user_instances", limit: 1 });
    expect(warning?.following).toBeGreaterThanOrEqual(2);
    expect(warning?.msg).toContain("sysctl -w fs.inotify.max_user_instances=1024");
  });

  it("is not warned about while the agent follows no more containers than it allows", async () => {
    expect(await inotifyWarnings(1_000_000)).toEqual([]);
  });
});
