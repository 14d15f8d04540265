import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthTestServer } from "./support/auth-server.ts";
import { requireDocker } from "./support/docker.ts";
import { RealAgent, type TokenVia, waitFor } from "./support/real-agent.ts";
import { upgradeStatus } from "./support/upgrade-status.ts";

// Enrolment, revocation and rotation with the real agent against a real server.
let srv: AuthTestServer;
let admin: string;
const agents: RealAgent[] = [];

beforeAll(async () => {
  await requireDocker();
  srv = await AuthTestServer.start();
  await srv.addUser("root", "ADMIN");
  admin = await srv.login("root");
});
afterAll(async () => {
  for (const agent of agents) await agent.dispose();
  await srv?.close();
});

async function enrol(name: string): Promise<{ hostId: string; token: string; agentCommand: string }> {
  const before = srv.clock.now();
  const res = await srv.http("POST", "/api/hosts", { cookie: admin, body: { name } });
  expect(res.status).toBe(201);
  // Single use, and 24 h by default (the test server keeps the default).
  expect(res.body.expiresAt - before).toBeGreaterThanOrEqual(24 * 3_600_000);
  expect(res.body.expiresAt - srv.clock.now()).toBeLessThanOrEqual(24 * 3_600_000);
  return { hostId: res.body.host.id, token: res.body.enrolmentToken, agentCommand: res.body.agentCommand };
}

function startAgent(token: string | null, stateDir?: string, via?: TokenVia): RealAgent {
  return track(RealAgent.start(srv.wsUrl, token, stateDir, via));
}

function track(agent: RealAgent): RealAgent {
  agents.push(agent);
  return agent;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const online = (hostId: string) => () => srv.server.ctx.agents.isOnline(hostId);

describe("enrolment", () => {
  it("gives a token and the exact agent command; the token works once", async () => {
    const { hostId, token, agentCommand } = await enrol("enrolled-once");
    expect(agentCommand).toBe(
      `CROWSNEST_TOKEN=${token} npm run agent -- --server-url ${srv.wsUrl}/ws/agent --state-dir ./data/agent`,
    );
    // Only the token's hash is stored: the token itself, taken for a hash, redeems nothing.
    expect(await srv.store.enrolmentTokens.redeem(token, "credential-hash", srv.clock.now())).toBeNull();

    const agent = startAgent(token);
    await agent.until("the agent to come online", online(hostId));
    const credential = await waitFor(
      "the agent to save its credential",
      () => agent.savedCredential() ?? undefined,
    );
    expect(credential).not.toBe(token);
    expect(credential.length).toBeGreaterThanOrEqual(32);

    // The same token again, from anyone: refused before any message.
    expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, bearer(token))).toBe(401);

    // The agent restarted without the token reconnects with the saved credential.
    await agent.stop();
    await waitFor("the host to go offline", () => !srv.server.ctx.agents.isOnline(hostId));
    const restarted = startAgent(null, agent.stateDir);
    await restarted.until("the agent to reconnect with its credential", online(hostId));
  });

  it("runs the printed command as pasted: welcomed, and the token in no process's argv", async () => {
    const { hostId, token, agentCommand } = await enrol("pasted");
    const stateDir = mkdtempSync(join(tmpdir(), "crowsnest-pasted-agent-"));
    const command = agentCommand.replace("--state-dir ./data/agent", `--state-dir ${stateDir} --interval 1`);
    expect(command).not.toBe(agentCommand);
    const agent = track(RealAgent.runCommand(command, stateDir));
    await agent.until("the agent run by the printed command to come online", online(hostId));
    const argv = agent.commandLines(); // sh, npm, the shell npm runs, and the agent's node
    expect(argv.some((line) => line.includes("apps/agent/src/main.ts"))).toBe(true);
    expect(argv.filter((line) => line.includes(token))).toEqual([]);
    // Online from its hello; the credential from the welcome is written a moment later.
    // null (not saved yet) is a value to waitFor, which goes on only on undefined or false.
    const credential = await agent.until(
      "the agent to save its credential",
      () => agent.savedCredential() ?? undefined,
    );
    expect(credential.length).toBeGreaterThanOrEqual(32);
  });

  it("takes the token from a --token-file; neither it nor the file's text is in argv", async () => {
    const { hostId, token } = await enrol("from-file");
    const agent = startAgent(token, undefined, "file");
    await agent.until("the agent with a token file to come online", online(hostId));
    const [cmdline = ""] = agent.commandLines();
    expect(cmdline).toContain("--token-file");
    expect(cmdline).not.toContain(token);
  });

  it("answers every way to run the agent, the URL and token filled in, the token never in argv", async () => {
    const res = await srv.http("POST", "/api/hosts", { cookie: admin, body: { name: "four-ways" } });
    expect(res.status).toBe(201);
    const { runWays, enrolmentToken: token, agentCommand, agentUrl } = res.body;
    expect(Object.keys(runWays).sort()).toEqual(["compose", "docker", "npm", "systemd"]);
    expect(runWays.npm).toBe(agentCommand);
    expect(runWays.docker).toBe(
      `CROWSNEST_SERVER_URL=${agentUrl} CROWSNEST_TOKEN=${token} \\\n` +
        "docker run -d --name crowsnest-agent --restart unless-stopped --network host \\\n" +
        '  -v /var/run/docker.sock:/var/run/docker.sock --group-add "$(stat -c %g /var/run/docker.sock)" \\\n' +
        "  -v crowsnest-agent:/var/lib/crowsnest-agent -e CROWSNEST_SERVER_URL -e CROWSNEST_TOKEN \\\n" +
        "  crowsnest-agent:latest",
    );
    expect(runWays.compose).toContain(
      `      CROWSNEST_SERVER_URL: ${agentUrl}\n      CROWSNEST_TOKEN: ${token}\n`,
    );
    expect(runWays.compose).toContain("    image: crowsnest-agent:latest\n");
    expect(runWays.systemd).toContain(
      `\nprintf '%s\\n' ${token} | bash deploy/install-agent.sh --server-url ${agentUrl}\n`,
    );
    // Each shell way is valid shell whose commands carry the token only in the environment or on stdin.
    for (const way of ["docker", "systemd", "npm"] as const) {
      const syntax = spawnSync("bash", ["-n"], { input: runWays[way], encoding: "utf8" });
      expect(syntax.status, `${way}: ${syntax.stderr}`).toBe(0);
    }
    expect(runWays.docker).not.toMatch(/-e CROWSNEST_TOKEN=|--token/);
    // The compose file is one compose reads: Debian's docker-compose resolves it.
    const dir = mkdtempSync(join(tmpdir(), "crowsnest-run-ways-"));
    writeFileSync(join(dir, "compose.yaml"), runWays.compose);
    const config = spawnSync("docker-compose", ["-f", join(dir, "compose.yaml"), "config"], {
      encoding: "utf8",
      env: { ...process.env, DOCKER_GID: "998" },
    });
    rmSync(dir, { recursive: true, force: true });
    expect(config.status, config.stderr).toBe(0);
    expect(config.stdout).toContain(`CROWSNEST_TOKEN: ${token}`);
    expect(config.stdout).toMatch(/group_add:\n\s+- '?998'?\n/);
  });

  it("points the agent command at CROWSNEST_PUBLIC_URL when it is set", async () => {
    const pub = await AuthTestServer.start({ publicUrl: "https://dash.example:8443" });
    try {
      await pub.addUser("pubadmin", "ADMIN");
      const res = await pub.http("POST", "/api/hosts", {
        cookie: await pub.login("pubadmin"),
        body: { name: "remote" },
      });
      expect(res.status).toBe(201);
      expect(res.body.agentCommand).toContain("--server-url wss://dash.example:8443/ws/agent ");
      expect(res.body.runWays.docker).toContain("CROWSNEST_SERVER_URL=wss://dash.example:8443/ws/agent ");
    } finally {
      await pub.close();
    }
  });

  it("refuses an expired token", async () => {
    const { token } = await enrol("late");
    srv.clock.advance(srv.config.auth.enrolmentTtlMs + 1);
    try {
      expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, bearer(token))).toBe(401);
    } finally {
      srv.clock.advance(-(srv.config.auth.enrolmentTtlMs + 1));
    }
  });
});

describe("a revoked host credential", () => {
  it("is disconnected at once and refused afterwards", async () => {
    const { hostId, token } = await enrol("to-revoke");
    const agent = startAgent(token);
    await agent.until("the agent to come online", online(hostId));
    const credential = await waitFor("a saved credential", () => agent.savedCredential() ?? undefined);

    const res = await srv.http("POST", `/api/hosts/${hostId}/revoke`, { cookie: admin });
    expect(res.status).toBe(204);
    await waitFor("the agent to be disconnected", () => !srv.server.ctx.agents.isOnline(hostId), 5_000);
    expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, bearer(credential))).toBe(401);
    // The real agent keeps retrying with it and keeps being refused.
    await waitFor("the agent to log the refusal", () =>
      agent.output.includes("refused the agent's credential"),
    );
    expect(srv.server.ctx.agents.isOnline(hostId)).toBe(false);
  });
});

describe("rotation", () => {
  it("hands the connected agent a new credential and retires the old one", async () => {
    const { hostId, token } = await enrol("to-rotate");
    const agent = startAgent(token);
    await agent.until("the agent to come online", online(hostId));
    const before = await agent.until("a saved credential", () => agent.savedCredential() ?? undefined);

    const res = await srv.http("POST", `/api/hosts/${hostId}/rotate`, { cookie: admin });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ hostId, agentWasOnline: true });
    const after = await agent.until("the agent to save a new credential", () => {
      const saved = agent.savedCredential();
      return saved !== null && saved !== before ? saved : undefined;
    });
    await agent.until("the agent to be back online", online(hostId));
    expect(await upgradeStatus(`${srv.wsUrl}/ws/agent`, bearer(before))).toBe(401);
    expect(after).not.toBe(before);
  });

  it("is a 404 for an unknown host and a 400 for a malformed id", async () => {
    expect((await srv.http("POST", "/api/hosts/unknown-host/rotate", { cookie: admin })).status).toBe(404);
    expect((await srv.http("POST", "/api/hosts/bad%20id/revoke", { cookie: admin })).status).toBe(400);
  });
});
