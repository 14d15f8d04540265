/**
 * A server that cannot start because of its surroundings — a database that refuses, a NATS server
 * that refuses, a port another program holds — says why in one line on stderr, in the server's log
 * format (JSON lines, stderr being a pipe here), and exits non-zero: through `npm run start:server`
 * (scripts/run.mjs) and through `npm start` (scripts/start.ts) alike.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "./support/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-start-failures-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a program with the pinned Node.js as npm's scripts do, and returns how it ended. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/**
 * The message of the one log line on stderr, at level fatal (60). Beside it stderr holds only the
 * first run's plain-text admin notice, never a stack.
 */
function fatalLine(stderr: string): string {
  const lines = stderr.split("\n").filter((line) => line.startsWith("{"));
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  const line = JSON.parse(lines[0] as string) as { level: number; msg: string };
  expect(line.level).toBe(60);
  return line.msg;
}

const SERVER = ["scripts/run.mjs", "apps/api/src/main.ts"];

describe("a server that cannot start", () => {
  it("names a PostgreSQL server that refuses connections, without a stack, and exits 1", async () => {
    const port = await freePort();
    const result = await run(SERVER, {
      CROWSNEST_DATA_DIR: join(dir, "pg-refused"),
      CROWSNEST_DATABASE_URL: `postgres://crowsnest:a-secret@127.0.0.1:${port}/crowsnest`,
    });
    expect(result.code).toBe(1);
    expect(fatalLine(result.stderr)).toBe(
      `cannot open the store postgres://crowsnest:***@127.0.0.1:${port}/crowsnest (pool 10), set by CROWSNEST_DATABASE_URL or --database-url: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(result.stdout).toBe("");
  });

  it("names a role PostgreSQL does not know", async () => {
    // The machine's PostgreSQL (127.0.0.1:5432, trust), asked for a role nobody made.
    const result = await run(SERVER, {
      CROWSNEST_DATA_DIR: join(dir, "pg-no-role"),
      CROWSNEST_DATABASE_URL: "postgres://no_such_crowsnest_role@127.0.0.1:5432/crowsnest",
    });
    expect(result.code).toBe(1);
    expect(fatalLine(result.stderr)).toBe(
      'cannot open the store postgres://no_such_crowsnest_role@127.0.0.1:5432/crowsnest (pool 10), set by CROWSNEST_DATABASE_URL or --database-url: role "no_such_crowsnest_role" does not exist',
    );
  });

  it("names a NATS server that refuses connections, without a stack, and exits 1", async () => {
    const port = await freePort();
    const result = await run([...SERVER, "--nats-url", `nats://crowsnest:a-secret@127.0.0.1:${port}`], {
      CROWSNEST_DATA_DIR: join(dir, "nats-refused"),
    });
    expect(result.code).toBe(1);
    expect(fatalLine(result.stderr)).toBe(
      `cannot join NATS at 127.0.0.1:${port} (CROWSNEST_NATS_URL): connection refused`,
    );
    expect(result.stdout + result.stderr).not.toContain("a-secret");
  });

  describe("on a port another program holds", () => {
    let holder: Server;
    let port: number;
    const taken = (host: string) =>
      `cannot listen on ${host}:${port}: the address is in use (another program listens there); choose another port with --port or CROWSNEST_PORT`;

    beforeAll(async () => {
      // It hangs up at once on whoever connects (npm start polls the port for its health).
      holder = createServer((socket) => socket.destroy());
      await new Promise<void>((listening) => holder.listen(0, "0.0.0.0", listening));
      port = (holder.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((closed) => holder.close(() => closed())));

    it("says so with the settings that choose another, through npm run start:server", async () => {
      const result = await run([...SERVER, "--port", String(port)], {
        CROWSNEST_DATA_DIR: join(dir, "taken-server"),
        CROWSNEST_ADMIN_PASSWORD: "a-password-for-the-test",
      });
      expect(result.code).toBe(1);
      expect(fatalLine(result.stderr)).toBe(taken("0.0.0.0"));
    });

    it("stops npm start, dashboard included, with that line and a non-zero exit code", async () => {
      // The dashboard is registered, as npm start does (built first when stale: a minute or two).
      const result = await run(["scripts/run.mjs", "scripts/start.ts"], {
        CROWSNEST_PORT: String(port),
        CROWSNEST_DATA_DIR: join(dir, "taken-start"),
        CROWSNEST_ADMIN_PASSWORD: "a-password-for-the-test",
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`"msg":"${taken("0.0.0.0")}"`);
      expect(result.stdout).toContain("[crowsnest] crowsnest-server exited (1)");
      expect(result.stdout + result.stderr).not.toContain("uncaughtException");
    }, 300_000);
  });
});
