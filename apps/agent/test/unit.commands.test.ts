import { randomUUID } from "node:crypto";
import type { Command } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { rejectBadCommand } from "../src/commands/bad-command.ts";
import { CommandExecutor } from "../src/commands/executor.ts";
import { runCommand } from "../src/commands/run-command.ts";
import { SocketEngine } from "../src/docker/socket-engine.ts";
import { parseDockerEvent } from "../src/inventory/docker-event.ts";
import { createLogger } from "../src/logger.ts";

// Any request to this socket fails: a test passes only if the executor never asked Docker.
const nowhere = new SocketEngine({ kind: "unix", socketPath: "/nonexistent/crowsnest-test.sock" });

describe("runCommand", () => {
  const stop = {
    id: randomUUID(),
    containerId: "c".repeat(64),
    action: "stop",
    options: {},
    adminAuthorized: false,
  } as Command;
  const quiet = createLogger("error", () => {});

  it("answers whatever goes wrong with a failure, so the server is never left waiting", async () => {
    const cause = new Error("socket hang up");
    const thrown: [unknown, string][] = [
      [new Error("request failed", { cause }), "request failed: socket hang up"],
      [undefined, "command failed: undefined"],
      ["a string", "command failed: a string"],
    ];
    for (const [err, message] of thrown) {
      const outcome = await runCommand(() => Promise.reject(err), stop, quiet);
      expect(outcome).toEqual({ ok: false, error: { code: "docker_error", message } });
    }
  });

  it("answers even when logging the failure throws", async () => {
    const broken = createLogger("info", () => {
      throw new Error("stderr is gone");
    });
    const outcome = await runCommand(() => Promise.resolve({ ok: true, message: "stopped" }), stop, broken);
    expect(outcome).toEqual({ ok: false, error: { code: "docker_error", message: "stderr is gone" } });
  });

  it("passes the executor's outcome through", async () => {
    const outcome = await runCommand(() => Promise.resolve({ ok: true, message: "stopped" }), stop, quiet);
    expect(outcome).toEqual({ ok: true, message: "stopped" });
  });
});

describe("CommandExecutor", () => {
  it("checks the container id itself before it can reach a URL path", async () => {
    const command = {
      id: randomUUID(),
      containerId: "../containers/json",
      action: "stop",
      options: {},
      adminAuthorized: true,
    } as Command;
    expect(await new CommandExecutor(nowhere).execute(command)).toMatchObject({
      ok: false,
      error: { code: "invalid" },
    });
  });

  it("refuses an action outside the allow-list", async () => {
    const command = {
      id: randomUUID(),
      containerId: "c".repeat(64),
      action: "exec",
      options: {},
    } as unknown as Command;
    expect(await new CommandExecutor(nowhere).execute(command)).toMatchObject({
      ok: false,
      error: { code: "invalid" },
    });
  });
});

describe("rejectBadCommand", () => {
  it("answers a command whose id is readable, with the decode error as the reason", () => {
    const id = randomUUID();
    const frame = JSON.stringify({ type: "command", command: { id, containerId: "../x" } });
    expect(rejectBadCommand(frame, "bad id")).toEqual({
      type: "command_result",
      commandId: id,
      outcome: { ok: false, error: { code: "invalid", message: "bad id" } },
    });
    expect(rejectBadCommand('{"type":"ack"}', "x")).toBeNull();
    expect(rejectBadCommand("not json", "x")).toBeNull();
  });
});

describe("parseDockerEvent", () => {
  const actor = { ID: "d".repeat(64), Attributes: { exitCode: "3", name: "web" } };
  it("keeps container events, reads the exit code of die, and strips action suffixes", () => {
    expect(parseDockerEvent({ Type: "container", Action: "die", Actor: actor, timeNano: 1.5e18 })).toEqual({
      containerId: "d".repeat(64),
      action: "die",
      time: 1.5e12,
      exitCode: 3,
    });
    expect(
      parseDockerEvent({ Type: "container", Action: "health_status: healthy", Actor: actor })?.action,
    ).toBe("health_status");
    expect(parseDockerEvent({ Type: "container", Action: "exec_start: sh", Actor: actor })).toBeNull();
    expect(parseDockerEvent({ Type: "network", Action: "connect", Actor: actor })).toBeNull();
  });
});
