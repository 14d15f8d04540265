import { LIMITS, type LogLine } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRUNCATION_MARKER } from "../src/logs/line-assembler.ts";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { removeTestContainers, runContainer } from "./helpers/docker.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "logs-test-token-0123456789abcdef0";
const LOG_RATE = 1000;

describe("container logs from a real Docker Engine", () => {
  const server = new FakeServer({ token: TOKEN });
  let agent: AgentProcess;

  beforeAll(async () => {
    await removeTestContainers();
    await server.start();
    agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      extra: ["--log-rate", String(LOG_RATE)],
    });
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"));
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await removeTestContainers();
  });

  const linesOf = (id: string): LogLine[] =>
    server.storedOf("logs").flatMap((batch) => batch.lines.filter((l) => l.containerId === id));
  const waitForLine = (id: string, text: string) =>
    server.waitFor(() => linesOf(id).some((l) => l.text === text));

  it("delivers every line complete, in order, each with its stream and Docker's timestamp", async () => {
    const script = 'for i in $(seq 1 500); do echo "out $i"; echo "err $i" >&2; done; echo "last"';
    const id = await runContainer({ command: ["sh", "-c", script] });
    await waitForLine(id, "last");
    await server.waitFor(() => linesOf(id).filter((l) => l.stream === "stderr").length >= 500);
    const lines = linesOf(id);
    const range = Array.from({ length: 500 }, (_, i) => i + 1);
    expect(lines.filter((l) => l.stream === "stdout").map((l) => l.text)).toEqual([
      ...range.map((i) => `out ${i}`),
      "last",
    ]);
    expect(lines.filter((l) => l.stream === "stderr").map((l) => l.text)).toEqual(
      range.map((i) => `err ${i}`),
    );
    expect(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(l.ts) && !l.truncated)).toBe(
      true,
    );
  });

  it("reads a TTY container's raw stream as stdout", async () => {
    const id = await runContainer({
      args: ["-t"],
      command: ["sh", "-c", "echo hello tty; echo second line"],
    });
    await waitForLine(id, "second line");
    expect(linesOf(id).map((l) => [l.stream, l.text])).toEqual([
      ["stdout", "hello tty"],
      ["stdout", "second line"],
    ]);
  });

  it.each([
    ["non-TTY", []],
    ["TTY", ["-t"]],
  ])("cuts a 64 KiB line at 16 KiB with a marker and keeps the next line intact (%s)", async (_, args) => {
    const script = "head -c 65536 /dev/zero | tr '\\0' a; echo; echo after";
    const id = await runContainer({ args, command: ["sh", "-c", script] });
    await waitForLine(id, "after");
    const [long, after, ...rest] = linesOf(id);
    expect(rest).toEqual([]);
    expect(long?.truncated).toBe(true);
    expect(long?.text).toBe("a".repeat(LIMITS.logLineBytes) + TRUNCATION_MARKER);
    expect(after).toMatchObject({ text: "after", truncated: false });
  });

  it("replaces invalid UTF-8 instead of dropping it, and survives binary garbage", async () => {
    const script =
      "printf 'ok \\377\\376 caf\\303\\251 \\300\\n'; head -c 65536 /dev/urandom; echo; echo END";
    const id = await runContainer({ command: ["sh", "-c", script] });
    await waitForLine(id, "END");
    const lines = linesOf(id);
    expect(lines[0]?.text).toBe("ok \uFFFD\uFFFD café \uFFFD");
    // Random bytes hold newlines, so they arrive as many lines; each decoded, none over the limit.
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.some((l) => l.text.includes("\uFFFD"))).toBe(true);
    expect(
      lines.every((l) => Buffer.byteLength(l.text.replace(TRUNCATION_MARKER, "")) <= 3 * LIMITS.logLineBytes),
    ).toBe(true);
    expect(server.badFrames).toEqual([]);
  });

  it("rate-limits a flood (20,000 lines from `seq`, far above 10,000 lines/s) and reports exactly how many it dropped", async () => {
    const total = 20_000;
    const id = await runContainer({ command: ["seq", "1", String(total)] });
    const delivered = () => linesOf(id);
    const dropped = () =>
      server
        .storedOf("logs")
        .flatMap((batch) => batch.drops.filter((d) => d.containerId === id))
        .reduce((sum, d) => sum + d.count, 0);
    // Every line is accounted for: handed over or counted as dropped.
    await server.waitFor(() => delivered().length + dropped() === total, 60_000);
    expect(dropped()).toBeGreaterThan(0);
    // The bucket allows one second's burst plus the refill over the seconds the flood spans.
    expect(delivered().length).toBeLessThan(total);
    const numbers = delivered().map((l) => Number(l.text));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });
});
