import type { LogLine } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { removeTestContainers, runContainer } from "./helpers/docker.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "delivery-test-token-0123456789abcdef";
/** About 50 numbered lines a second, stdout and stderr interleaved, so every loss or repeat shows. */
const COUNTER =
  'i=0; while :; do i=$((i+1)); echo "n $i"; if [ $((i % 7)) = 0 ]; then echo "e $i" >&2; fi; sleep 0.02; done';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stored lines of one container, as the numbers they carry, per stream. */
function numbers(server: FakeServer, id: string, prefix: string): number[] {
  return server
    .storedOf("logs")
    .flatMap((batch) => batch.lines)
    .filter((l: LogLine) => l.containerId === id && l.text.startsWith(prefix))
    .map((l) => Number(l.text.slice(prefix.length)));
}

function expectContiguous(values: number[], from: number): void {
  expect(values.length).toBeGreaterThan(0);
  expect(values).toEqual(Array.from({ length: values.length }, (_, i) => from + i));
}

describe("delivery across restarts and outages", () => {
  const server = new FakeServer({ token: TOKEN });
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    await removeTestContainers();
    await server.start();
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop("SIGKILL");
    await server.stop();
    await removeTestContainers();
  });

  const startAgent = (stateDir: string) => {
    const agent = AgentProcess.start({ serverUrl: server.url, token: TOKEN, stateDir });
    agents.push(agent);
    return agent;
  };
  const maxStored = (id: string) => Math.max(0, ...numbers(server, id, "n "));
  /** Waits until a line the container wrote after `time` is stored. */
  const storedAfter = (id: string, time: number) =>
    server.waitFor(
      () =>
        server
          .storedOf("logs")
          .some((batch) => batch.lines.some((l) => l.containerId === id && Date.parse(l.ts) > time)),
      60_000,
    );

  it("restarting the agent (killed, then stopped) neither loses nor repeats a log line or a seq", async () => {
    const stateDir = await tempStateDir();
    const first = startAgent(stateDir);
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"));
    const id = await runContainer({ command: ["sh", "-c", COUNTER] });
    await server.waitFor(() => maxStored(id) >= 40);

    await first.stop("SIGKILL"); // no chance to flush: what was only in memory must be re-read from Docker
    await sleep(1500);
    const second = startAgent(stateDir);
    await storedAfter(id, Date.now() + 1000);
    expect(await second.stop("SIGTERM")).toBe(0);
    await sleep(1500);
    startAgent(stateDir);
    await storedAfter(id, Date.now() + 1000);

    expectContiguous(numbers(server, id, "n "), 1);
    const errs = numbers(server, id, "e ");
    expect(errs).toEqual(Array.from({ length: errs.length }, (_, i) => 7 * (i + 1)));
    // A restarted agent resumes its seq numbering: a seq sent twice (a resend) carries the same batch.
    const firstSent = new Map<number, string>();
    for (const message of server.received) {
      if (!("seq" in message)) continue;
      const text = JSON.stringify(message);
      expect(firstSent.get(message.seq) ?? text).toBe(text);
      firstSent.set(message.seq, text);
    }
  });

  it("the server going away for 10 s loses nothing: the outbox is resent on reconnect", async () => {
    const id = await runContainer({ command: ["sh", "-c", COUNTER] });
    await server.waitFor(() => maxStored(id) >= 20);
    await server.stop();
    const outageStart = Date.now();
    await sleep(10_000);
    const outageEnd = Date.now();
    await server.start(Number(new URL(server.url).port));
    await storedAfter(id, Date.now() + 1000);

    expectContiguous(numbers(server, id, "n "), 1);
    // Metrics sampled while the server was away arrived too.
    const during = server
      .storedOf("metrics")
      .flatMap((batch) => batch.samples)
      .filter((s) => s.containerId === id && s.t > outageStart + 1000 && s.t < outageEnd - 1000);
    expect(during.length).toBeGreaterThanOrEqual(5);
  });
});
