/**
 * The CLI's help and its argument errors, as a user meets them: the real CLI, run through
 * scripts/run.mjs as `npm run cli` does, on a data directory of its own.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.ts";

const ROOT = resolve(import.meta.dirname, "../../../..");
const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-cli-help-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Every command with its arguments, as `--help` must list them. */
const COMMANDS = [
  "user add <username> --role ADMIN|OPERATOR|VIEWER",
  "user reset-password <username>",
  "user unlock <username>",
  "host enrol <name> [--server-url URL]",
  "host add <name> [--server-url URL]",
];

function cli(args: string[], stdin = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ["scripts/run.mjs", "apps/api/src/cli/main.ts", ...args],
      { cwd: ROOT },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

describe("the CLI's help", () => {
  it("--help lists every command with its arguments and exits 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const result = await cli([flag]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe("");
      expect(result.stdout).toContain(
        "usage: npm run cli -- <command> [arguments] [--data-dir DIR] [--database-url URL] [--json]\n",
      );
      for (const command of COMMANDS) expect(result.stdout).toContain(`\n  ${command}\n      `);
      expect(result.stdout).toContain("\n  --json ");
    }
  });

  it("<command> --help shows that command's usage and what it does, and exits 0", async () => {
    const result = await cli(["user", "add", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^usage: npm run cli -- user add <username> --role ADMIN\|OPERATOR\|VIEWER \[--data-dir DIR\] \[--database-url URL\] \[--json\]\n\ncreates a user /,
    );
    const enrol = await cli(["host", "enrol", "x", "--help"]);
    expect(enrol.code).toBe(0);
    expect(enrol.stdout).toMatch(/^usage: npm run cli -- host enrol <name> \[--server-url URL\] /);
  });

  it("no command, or an unknown one, prints the help on stderr with exit code 2", async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    for (const command of COMMANDS) expect(none.stderr).toContain(command);
    const unknown = await cli(["user", "delete", "bob"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: no command "user delete"\n\n/);
  });
});

describe("user add --role", () => {
  it("takes a role in any case", async () => {
    const result = await cli(
      ["user", "add", "lower", "--role", "operator", "--data-dir", dataDir],
      "lower-case-role-pw\n",
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^created OPERATOR "lower"/);
    const store = await openStore({ database: { backend: "sqlite", path: join(dataDir, "crowsnest.db") } });
    try {
      expect((await store.users.findByUsername("lower"))?.role).toBe("OPERATOR");
    } finally {
      await store.close();
    }
  });

  it("refuses an unknown or missing role naming the roles, exit code 1", async () => {
    const unknown = await cli(["user", "add", "king", "--role", "king", "--data-dir", dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: --role: "king" is not a role: one of ADMIN, OPERATOR, VIEWER\n');
    const missing = await cli(["user", "add", "nobody", "--data-dir", dataDir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "error: --role is required: one of ADMIN, OPERATOR, VIEWER\nusage: npm run cli -- user add <username> --role ADMIN|OPERATOR|VIEWER\n",
    );
  });
});
