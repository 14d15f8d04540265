/**
 * Readable output for operators (issue 15): the server and the agent, started as real processes,
 * write readable log lines (time, level, message; no JSON) on a terminal — a pseudo-terminal from
 * util-linux's `script` — and JSON lines when their output is a pipe, unless CROWSNEST_LOG_FORMAT
 * says otherwise.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, ROOT, waitFor } from "./support/processes.ts";

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A readable line as pino-pretty and the agent write it: `[12:34:56.789] INFO: …` (colours removed). */
const READABLE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR): /m;

/**
 * Starts `args` under node with `env`, in a pseudo-terminal when `tty`, and returns its output
 * (stdout and stderr together, terminal colours removed) once `until` matches it; the process is then
 * stopped.
 */
async function outputOf(
  args: string[],
  env: NodeJS.ProcessEnv,
  tty: boolean,
  until: RegExp,
): Promise<string> {
  const command = [process.execPath, ...args].map((a) => `'${a}'`).join(" ");
  const child = tty
    ? spawn("script", ["-qfc", `${command} 2>&1`, "/dev/null"], {
        cwd: ROOT,
        env: { ...process.env, ...env },
      })
    : spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
  children.push(child);
  let output = "";
  const keep = (chunk: Buffer): void => {
    output += stripVTControlCharacters(chunk.toString("utf8")).replaceAll("\r\n", "\n");
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  try {
    await waitFor(
      () => `${until} in the output of ${args.join(" ")}:\n${output}`,
      async () => until.test(output),
      30_000,
    );
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  return output;
}

function serverEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-log-format-"));
  dirs.push(dataDir);
  return { CROWSNEST_DATA_DIR: dataDir, CROWSNEST_HOST: "127.0.0.1", CROWSNEST_LOG_FORMAT: "", ...extra };
}

const jsonLines = (output: string) => output.split("\n").filter((line) => line.startsWith("{"));

describe("crowsnest-server's log lines", () => {
  const listening = /Server listening at http:\/\/127\.0\.0\.1:\d+/;

  it("are readable in a terminal: time, level, message, no JSON", async () => {
    const env = serverEnv({ CROWSNEST_PORT: String(await freePort()) });
    const output = await outputOf(["apps/api/src/main.ts"], env, true, listening);
    expect(output).toMatch(READABLE);
    expect(output).toMatch(/\] INFO: Server listening at/);
    expect(jsonLines(output)).toEqual([]);
    // The plain lines for a person stay as they are.
    expect(output).toContain("[crowsnest] listening on http://127.0.0.1:");
  });

  it("are JSON when the output is a pipe", async () => {
    const env = serverEnv({ CROWSNEST_PORT: String(await freePort()) });
    const output = await outputOf(["apps/api/src/main.ts"], env, false, listening);
    const lines = jsonLines(output).map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 30, msg: expect.stringMatching(listening) }),
    );
    expect(output).not.toMatch(READABLE);
  });

  it("follow CROWSNEST_LOG_FORMAT: json in a terminal, pretty in a pipe", async () => {
    const json = serverEnv({ CROWSNEST_PORT: String(await freePort()), CROWSNEST_LOG_FORMAT: "json" });
    const inTerminal = await outputOf(["apps/api/src/main.ts"], json, true, listening);
    expect(jsonLines(inTerminal).length).toBeGreaterThan(0);
    expect(inTerminal).not.toMatch(READABLE);
    const pretty = serverEnv({ CROWSNEST_PORT: String(await freePort()), CROWSNEST_LOG_FORMAT: "pretty" });
    const inPipe = await outputOf(["apps/api/src/main.ts"], pretty, false, listening);
    expect(inPipe).toMatch(READABLE);
    expect(jsonLines(inPipe)).toEqual([]);
  });
});

describe("crowsnest-agent's log lines", () => {
  /** An agent pointed at a port nobody listens on: it starts, then says it cannot connect. */
  async function agentEnv(): Promise<NodeJS.ProcessEnv> {
    const stateDir = mkdtempSync(join(tmpdir(), "crowsnest-log-format-agent-"));
    dirs.push(stateDir);
    return {
      CROWSNEST_SERVER_URL: `ws://127.0.0.1:${await freePort()}/ws/agent`,
      CROWSNEST_TOKEN: "not-a-real-token",
      CROWSNEST_STATE_DIR: stateDir,
      CROWSNEST_LOG_FORMAT: "",
    };
  }

  it("are readable in a terminal and JSON in a pipe", async () => {
    const started = /agent started/;
    const readable = await outputOf(["apps/agent/src/main.ts"], await agentEnv(), true, started);
    expect(readable).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: agent started server=ws:\/\/127\.0\.0\.1:\d+\/ws\/agent /m,
    );
    expect(jsonLines(readable)).toEqual([]);
    const piped = await outputOf(["apps/agent/src/main.ts"], await agentEnv(), false, started);
    expect(jsonLines(piped).map((line) => JSON.parse(line).msg)).toContain("agent started");
    expect(piped).not.toMatch(READABLE);
  });
});
