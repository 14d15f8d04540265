/**
 * The URL the CLI's `host enrol` and `host add` tell an agent to dial, and the warnings about it,
 * are POST /api/hosts' (one rule: apps/api/src/auth/agent-url.ts): checked against a real server
 * on the same store, before and after an admin saves a URL under Admin → Hosts, in the CLI's text
 * and --json output.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentUrlWarning, EnrolmentResponse } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "./support/api-client.ts";
import { ADMIN_PASSWORD, ROOT, ServerProcess } from "./support/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "crowsnest-cli-agent-url-"));
let server: ServerProcess;
let admin: ApiClient;

beforeAll(async () => {
  server = await ServerProcess.start({ dataDir: dir });
  admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The CLI as an operator runs it on the server's machine: its data directory, its port. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ["scripts/run.mjs", "apps/api/src/cli/main.ts", ...args, "--data-dir", dir],
      { cwd: ROOT, env: { ...process.env, CROWSNEST_PORT: String(server.options.port) } },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

/** What the CLI's --json output says of the agent URL. */
async function cliJson(verb: "enrol" | "add", name: string) {
  const result = await cli("host", verb, name, "--json");
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { agentUrl: string; agentCommand: string; warnings: AgentUrlWarning[] };
}

/** POST /api/hosts' answer, from the server's own address as the CLI guesses it. */
function enrolByApi(name: string): Promise<EnrolmentResponse> {
  return admin.post<EnrolmentResponse>("/api/hosts", { name });
}

describe("the CLI's agent URL", () => {
  it("without a saved URL: this machine at the server's port, with the loopback warning, as POST /api/hosts says", async () => {
    const url = `ws://127.0.0.1:${server.options.port}/ws/agent`;
    const byApi = await enrolByApi("api-guess");
    expect(byApi.agentUrl).toBe(url);
    expect(byApi.warnings.map((w) => w.code)).toEqual(["loopback"]);
    for (const verb of ["enrol", "add"] as const) {
      const out = await cliJson(verb, `cli-guess-${verb}`);
      expect({ agentUrl: out.agentUrl, warnings: out.warnings }).toEqual({
        agentUrl: byApi.agentUrl,
        warnings: byApi.warnings,
      });
      expect(out.agentCommand).toContain(`--server-url ${url}`);
    }

    const text = await cli("host", "enrol", "cli-guess-text");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      `\nagent URL: ${url} (a guess: this machine at port ${server.options.port} (CROWSNEST_PORT); pass --server-url URL, or save the URL under Admin → Hosts)\n`,
    );
    expect(text.stderr).toBe(`warning: ${byApi.warnings[0]?.message}\n`);
  });

  it("with a URL saved under Admin → Hosts: that URL and its warnings, as POST /api/hosts says", async () => {
    const saved = "ws://crowsnest.internal:8443/ws/agent";
    const res = await fetch(`${server.baseUrl}/api/settings/agent-url`, {
      method: "PUT",
      headers: { cookie: admin.cookie, origin: server.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ agentUrl: saved }),
    });
    expect(res.status).toBe(200);

    const byApi = await enrolByApi("api-saved");
    expect(byApi.agentUrl).toBe(saved);
    expect(byApi.warnings.map((w) => w.code)).toEqual(["unencrypted"]);
    for (const verb of ["enrol", "add"] as const) {
      const out = await cliJson(verb, `cli-saved-${verb}`);
      expect({ agentUrl: out.agentUrl, warnings: out.warnings }).toEqual({
        agentUrl: byApi.agentUrl,
        warnings: byApi.warnings,
      });
    }

    const text = await cli("host", "enrol", "cli-saved-text");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`\nagent URL: ${saved} (saved under Admin → Hosts)\n`);
    expect(text.stdout).toContain(`CROWSNEST_SERVER_URL=${saved} CROWSNEST_TOKEN=`);
    expect(text.stderr).toBe(`warning: ${byApi.warnings[0]?.message}\n`);

    // --server-url still wins, for this one host.
    const chosen = await cli("host", "enrol", "cli-chosen", "--server-url", "https://cn.example", "--json");
    expect(JSON.parse(chosen.stdout)).toMatchObject({ agentUrl: "wss://cn.example/ws/agent", warnings: [] });
    expect(chosen.stderr).toBe("");
  });
});
