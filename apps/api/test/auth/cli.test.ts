import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PasswordHasher } from "../../src/auth/password.ts";
import { hashToken } from "../../src/auth/secret-token.ts";
import { defaultDatabase } from "../../src/store/database-url.ts";
import { openStore } from "../../src/store/open-store.ts";

// The CLI as a user runs it: a separate process on the data directory.
const CLI = resolve(import.meta.dirname, "../../src/cli/main.ts");
const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-auth-cli-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function cli(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [CLI, "--data-dir", dataDir, ...args], (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
}

async function passwordOf(username: string): Promise<string> {
  const store = await openStore({ database: defaultDatabase(dataDir) });
  try {
    const user = await store.users.findByUsername(username);
    if (!user) throw new Error(`no ${username}`);
    return user.passwordHash;
  } finally {
    await store.close();
  }
}

describe("crowsnest CLI", () => {
  it("adds a user with a piped password, at the production scrypt cost", async () => {
    const res = await cli(["user", "add", "carol", "--role", "OPERATOR"], "carol-piped-password\n");
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/created OPERATOR "carol"/);
    expect(res.stdout).not.toMatch(/shown only this once/);
    const hash = await passwordOf("carol");
    expect(hash).toMatch(/^scrypt\$1\$17\$/);
    expect(await new PasswordHasher().verify("carol-piped-password", hash)).toBe(true);
  });

  it("resets a password to a generated one, printed once", async () => {
    const res = await cli(["user", "reset-password", "carol"], "");
    expect(res.code, res.stderr).toBe(0);
    const generated = /shown only this once\): (\S+)/.exec(res.stdout)?.[1] ?? "";
    expect(generated.length).toBeGreaterThanOrEqual(16);
    expect(await new PasswordHasher().verify(generated, await passwordOf("carol"))).toBe(true);
  });

  it("refuses a bad role and an unknown user with a message and exit code 1", async () => {
    expect((await cli(["user", "add", "dave", "--role", "KING"], "")).code).toBe(1);
    const missing = await cli(["user", "reset-password", "nobody"], "");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no user "nobody"/);
  });

  it("enrols a host and prints a token that only its hash is stored for", async () => {
    const res = await cli(
      ["--json", "host", "enrol", "cli", "box", "--server-url", "https://cn.example"],
      "",
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      name: "cli box",
      agentCommand: expect.stringContaining("wss://cn.example/ws/agent"),
    });
    const store = await openStore({ database: defaultDatabase(dataDir) });
    try {
      expect(
        await store.enrolmentTokens.redeem(
          hashToken(out.token),
          hashToken("the agent's credential"),
          Date.now(),
        ),
      ).toBe(out.hostId);
    } finally {
      await store.close();
    }
  });

  it("prints the agent command for a person with the token in the environment, not in argv", async () => {
    const res = await cli(["host", "enrol", "by hand", "--server-url", "http://cn.example:8080"], "");
    expect(res.code, res.stderr).toBe(0);
    const token = /enrolment token \(single use, expires [^)]+\):\n {2}(\S+)\n/.exec(res.stdout)?.[1];
    expect(token, res.stdout).toBeDefined();
    // The four ways, each under its title, the URL and the token filled in.
    const url = "ws://cn.example:8080/ws/agent";
    expect(res.stdout).toContain(
      `\n  docker run:\n    CROWSNEST_SERVER_URL=${url} CROWSNEST_TOKEN=${token} \\\n    docker run -d `,
    );
    expect(res.stdout).toContain("\n  compose:\n    # compose.yaml on the host");
    expect(res.stdout).toContain(
      `\n          CROWSNEST_SERVER_URL: ${url}\n          CROWSNEST_TOKEN: ${token}\n`,
    );
    expect(res.stdout).toContain(`\n  systemd:\n    # as root on the host`);
    expect(res.stdout).toContain(
      `\n    printf '%s\\n' ${token} | bash deploy/install-agent.sh --server-url ${url}\n`,
    );
    expect(res.stdout).toContain(
      `\n  npm (a checkout):\n    CROWSNEST_TOKEN=${token} npm run agent -- --server-url ${url} --state-dir ./data/agent\n`,
    );
    expect(res.stdout).not.toContain("--token=");
  });

  it("adds a host with a long-lived credential the agent endpoint accepts, stored only hashed", async () => {
    const res = await cli(
      ["host", "add", "unattended", "--server-url", "http://cn.example:8080", "--json"],
      "",
    );
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      name: "unattended",
      expiresAt: null,
      agentCommand: `CROWSNEST_TOKEN=${out.token} npm run agent -- --server-url ws://cn.example:8080/ws/agent --state-dir ./data/agent`,
    });
    const store = await openStore({ database: defaultDatabase(dataDir) });
    try {
      expect(await store.hostCredentials.findHost(hashToken(out.token))).toBe(out.hostId);
      expect(await store.hostCredentials.findHost(out.token)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it("refuses a host without a name, or with a bad --server-url, with the usage and exit code 1", async () => {
    for (const verb of ["add", "enrol"]) {
      const nameless = await cli(["host", verb], "");
      expect(nameless.code).toBe(1);
      expect(nameless.stderr).toContain(`usage: npm run cli -- host ${verb} <name>`);
      const badUrl = await cli(["host", verb, "x", "--server-url", "not a url"], "");
      expect(badUrl.code).toBe(1);
      expect(badUrl.stderr).toContain("--server-url: not a URL");
    }
  });
});
