import { resolve } from "node:path";
import type { LogLine } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeLabelled, runContainer } from "../../../test/support/containers.ts";
import { docker } from "../../../test/support/docker-cli.ts";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "first-sight-test-token-0123456789ab";
/** Its own label: the agent suite's cleanup (crowsnest.test=agent) is not run from here. */
const LABEL = "crowsnest.test=first-sight";
const LINES = 3000;
const SCRIPT = `seq 1 ${LINES}; sleep 3600`;

/**
 * What the agent reads of a container depends on when it first saw it: one already running before
 * the agent started gives its last 1,000 lines (an old log is not replayed), one started after gives
 * every line.
 */
describe("a container's log as the agent first sees it", () => {
  const { server, start, textsOf } = serverAndAgent();
  let before: string;

  beforeAll(async () => {
    await removeLabelled(LABEL);
    before = await runContainer({ label: LABEL, command: ["sh", "-c", SCRIPT] });
    await waitForDockerLines(before, LINES);
    await start();
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"), 60_000);
  });

  const numbers = (from: number, to: number): string[] =>
    Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

  it("reads only the last 1,000 lines of one already running at the agent's first list", async () => {
    await server.waitFor(() => textsOf(before).includes(String(LINES)), 30_000);
    expect(textsOf(before)).toEqual(numbers(LINES - 999, LINES));
  });

  it("reads every line of one started after the agent connected", async () => {
    const after = await runContainer({ label: LABEL, command: ["sh", "-c", SCRIPT] });
    await server.waitFor(() => textsOf(after).includes(String(LINES)), 30_000);
    expect(textsOf(after)).toEqual(numbers(1, LINES));
  });
});

/**
 * A container that starts after the agent process did, but before the agent's first list (held
 * back START_DELAY_MS here, twice: NODE_OPTIONS holds the delay in the image the agent re-executes
 * with its flags too; as on a slow machine or when `docker compose up` starts both): the list finds
 * it running, yet its whole run is new to the agent.
 */
describe("a container started while the agent was starting", () => {
  const START_DELAY_MS = 6_000;
  const { server, start, textsOf } = serverAndAgent();

  it("has every line of its run read, not only the last 1,000", async () => {
    await start([
      "env",
      `NODE_OPTIONS=--import=${resolve(import.meta.dirname, "helpers/delay-start.mjs")}`,
      `CROWSNEST_TEST_START_DELAY_MS=${START_DELAY_MS}`,
    ]);
    const during = await runContainer({ label: LABEL, command: ["sh", "-c", SCRIPT] });
    await waitForDockerLines(during, LINES);
    // Only meaningful if the container ran and wrote before the agent could list it.
    expect(server.received.find((m) => m.type === "inventory")).toBeUndefined();

    await server.waitFor(() => textsOf(during).includes(String(LINES)), 60_000);
    expect(textsOf(during)).toEqual(Array.from({ length: LINES }, (_, i) => String(i + 1)));
  });
});

/**
 * For the calling describe block: a stand-in server, and `start`, which starts it and then the agent
 * (from its .ts sources, a fresh state directory, up to 10,000 log lines a second) connected to it,
 * run through `wrapper` if given (AgentProcess.spawn). An afterAll of the block stops the agent, then
 * the server, and removes this file's containers. `textsOf(id)`: the texts of the container's log
 * lines the server has received, in order.
 */
function serverAndAgent(): {
  server: FakeServer;
  start: (wrapper?: string[]) => Promise<void>;
  textsOf: (id: string) => string[];
} {
  const server = new FakeServer({ token: TOKEN });
  let agent: AgentProcess | undefined;

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await removeLabelled(LABEL);
  });

  return {
    server,
    start: async (wrapper) => {
      await server.start();
      agent = AgentProcess.start({
        serverUrl: server.url,
        token: TOKEN,
        stateDir: await tempStateDir(),
        extra: ["--log-rate", "10000"],
        wrapper,
      });
    },
    textsOf: (id) =>
      server
        .storedOf("logs")
        .flatMap((batch) => batch.lines.filter((l: LogLine) => l.containerId === id))
        .map((l) => l.text),
  };
}

/** Waits until `docker logs` holds `count` lines of the container. */
async function waitForDockerLines(id: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await docker("logs", id)).split("\n").filter(Boolean).length < count) {
    if (Date.now() > deadline) throw new Error(`${id} did not write ${count} lines within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
