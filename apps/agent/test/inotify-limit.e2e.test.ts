/**
 * The agent's warning about the host's inotify instance limit (issue 15): dockerd watches each log
 * the agent follows with an inotify instance and polls the rest, so the real agent process, reading
 * the real limit of this host, warns once at start when it follows more containers than that.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeLabelled, runContainer } from "../../../test/support/containers.ts";
import { docker } from "../../../test/support/docker-cli.ts";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "inotify-test-token-0123456789abcdef0";
const LABEL = "crowsnest.test=agent-inotify";
const LIMIT = Number(readFileSync("/proc/sys/fs/inotify/max_user_instances", "utf8"));
/** Past this many containers to start, the warning case is not run (a host whose limit was raised). */
const MOST_CONTAINERS = 300;

const runningContainers = async (): Promise<number> =>
  (await docker("ps", "-q")).split("\n").filter(Boolean).length;

/** The agent's structured log lines that are about the inotify limit, once it has exited. */
async function inotifyWarnings(server: FakeServer): Promise<Record<string, unknown>[]> {
  const before = server.received.length;
  const agent = AgentProcess.start({ serverUrl: server.url, token: TOKEN, stateDir: await tempStateDir() });
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

describe("the host's inotify instance limit", () => {
  const server = new FakeServer({ token: TOKEN });

  beforeAll(async () => {
    await removeLabelled(LABEL);
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await removeLabelled(LABEL);
  });

  it("is not warned about while the agent follows no more containers than it allows", async (ctx) => {
    if ((await runningContainers()) > LIMIT)
      ctx.skip(`the Engine runs more than ${LIMIT} containers already`);
    expect(await inotifyWarnings(server)).toEqual([]);
  });

  it.skipIf(LIMIT > MOST_CONTAINERS)(
    "is warned about once, with the sysctl to raise, when the agent follows more containers",
    async () => {
      // One more idle container of its own than the limit: other users of the Engine may stop theirs meanwhile.
      for (let started = 0; started <= LIMIT; started += 10) {
        const batch = Math.min(10, LIMIT + 1 - started);
        await Promise.all(
          Array.from({ length: batch }, () => runContainer({ label: LABEL, command: ["sleep", "1000000"] })),
        );
      }
      const warnings = await inotifyWarnings(server);
      expect(warnings).toHaveLength(1);
      const [warning] = warnings;
      expect(warning).toMatchObject({ level: "warn", sysctl: "fs.inotify.max_user_instances", limit: LIMIT });
      expect(warning?.following).toBeGreaterThan(LIMIT);
      expect(warning?.msg).toContain("sysctl -w fs.inotify.max_user_instances=1024");
    },
    300_000,
  );
});
