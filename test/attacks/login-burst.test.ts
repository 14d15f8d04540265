import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/api-client.ts";
import { recordFigure } from "../support/figures.ts";
import { ADMIN_PASSWORD, ServerProcess } from "../support/processes.ts";

const ATTACKER = "198.51.100.66";
const BURST = 200;

describe("a burst of concurrent sign-in guesses against the real server (scrypt N = 2^17)", () => {
  const dir = mkdtempSync(join(tmpdir(), "crowsnest-login-burst-"));
  let server: ServerProcess;

  /** A sign-in as the browser sends it, from the address a trusted proxy (the test) names. */
  async function login(username: string, password: string, address: string) {
    const res = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.baseUrl, "x-forwarded-for": address },
      body: JSON.stringify({ username, password }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  beforeAll(async () => {
    // Loopback is the trusted proxy, so each request can come from the address it names.
    server = await ServerProcess.start({
      dataDir: join(dir, "server"),
      env: { CROWSNEST_TRUSTED_PROXIES: "127.0.0.1" },
    });
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    await admin.post("/api/users", { username: "bystander", password: "bystander-password", role: "VIEWER" });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("checks at most ten guesses however they are timed, and a bystander still signs in meanwhile", async () => {
    const guesses = Array.from({ length: BURST }, (_, i) =>
      login("admin", i === BURST - 1 ? ADMIN_PASSWORD : `wrong-guess-${i}`, ATTACKER),
    );
    const started = Date.now();
    const bystander = await login("bystander", "bystander-password", "203.0.113.10");
    const bystanderMs = Date.now() - started;
    const statuses = await Promise.all(guesses);
    const count = (s: number) => statuses.filter((x) => x === s).length;
    const checked = count(401) + count(200);
    expect(bystander).toBe(200);
    expect(checked).toBeLessThanOrEqual(10);
    expect(count(429) + count(503) + checked).toBe(BURST);
    // The refusals leave a bounded trace in the audit log, not one row per attempt.
    const admin = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    const audit = await admin.get<{ entries: { action: string }[] }>("/api/audit?category=session&limit=500");
    const lockouts = audit.entries.filter((e) => e.action === "session.locked_out").length;
    const failures = audit.entries.filter((e) => e.action === "session.login_failed").length;
    expect(failures).toBe(count(401));
    expect(lockouts).toBeGreaterThanOrEqual(1);
    expect(lockouts).toBeLessThanOrEqual(3);
    recordFigure("login burst: 200 concurrent guesses from one address", {
      auditLockoutRows: lockouts,
      passwordsChecked: checked,
      refused429: count(429),
      refused503: count(503),
      bystanderSignInMs: bystanderMs,
    });
  });

  it("keeps the attacker's lock across a restart; the admin signs in from elsewhere; the CLI unlocks", async () => {
    await server.restart();
    expect(await login("admin", ADMIN_PASSWORD, ATTACKER)).toBe(429);
    // The lock is on (account, address): the real admin elsewhere is not locked out.
    expect(await login("admin", ADMIN_PASSWORD, "203.0.113.20")).toBe(200);
    // Their success does not lift the attacker's lock on (admin, attacker's address).
    expect(await login("admin", ADMIN_PASSWORD, ATTACKER)).toBe(429);
    expect(await server.cli("user", "unlock", "admin")).toMatch(/unlocked/);
    expect(await login("admin", ADMIN_PASSWORD, ATTACKER)).toBe(200);
  });
});
