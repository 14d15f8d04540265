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
  const server = new FakeServer({ token: TOKEN });
  let agent: AgentProcess | undefined;
  let before: string;

  beforeAll(async () => {
    await removeLabelled(LABEL);
    before = await runContainer({ label: LABEL, command: ["sh", "-c", SCRIPT] });
    await waitForDockerLines(before, LINES);
    await server.start();
    agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      extra: ["--log-rate", "10000"],
    });
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"), 60_000);
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await removeLabelled(LABEL);
  });

  const textsOf = (id: string): string[] =>
    server
      .storedOf("logs")
      .flatMap((batch) => batch.lines.filter((l: LogLine) => l.containerId === id))
      .map((l) => l.text);
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
  const server = new FakeServer({ token: TOKEN });
  let agent: AgentProcess | undefined;

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await removeLabelled(LABEL);
  });

  it("has every line of its run read, not only the last 1,000", async () => {
    await server.start();
    agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      extra: ["--log-rate", "10000"],
      wrapper: [
        "env",
        `NODE_OPTIONS=--import=${resolve(import.meta.dirname, "helpers/delay-start.mjs")}`,
        `CROWSNEST_TEST_START_DELAY_MS=${START_DELAY_MS}`,
      ],
    });
    const during = await runContainer({ label: LABEL, command: ["sh", "-c", SCRIPT] });
    await waitForDockerLines(during, LINES);
    // Only meaningful if the container ran and wrote before the agent could list it.
    expect(server.received.find((m) => m.type === "inventory")).toBeUndefined();

    const texts = (): string[] =>
      server
        .storedOf("logs")
        .flatMap((batch) => batch.lines.filter((l: LogLine) => l.containerId === during))
        .map((l) => l.text);
    await server.waitFor(() => texts().includes(String(LINES)), 60_000);
    expect(texts()).toEqual(Array.from({ length: LINES }, (_, i) => String(i + 1)));
  });
});

/** Waits until `docker logs` holds `count` lines of the container. */
async function waitForDockerLines(id: string, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await docker("logs", id)).split("\n").filter(Boolean).length < count) {
    if (Date.now() > deadline) throw new Error(`${id} did not write ${count} lines within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
