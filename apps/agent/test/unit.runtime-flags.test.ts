/** The agent's Node.js flags: which apply where, and that a started agent runs with them. */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_FLAGS, nodeFlags } from "../src/runtime-flags.ts";

const MAIN = resolve(import.meta.dirname, "../src/main.ts");

describe("runtime flags", () => {
  it("keeps WebAssembly, which type stripping needs, when running from sources", () => {
    expect(nodeFlags(false)).toEqual([...NODE_FLAGS]);
    expect(nodeFlags(true)).not.toContain("--jitless");
    expect(nodeFlags(true)).toContain("--max-semi-space-size=1");
  });

  it("re-executes the agent with them, an operator's own value of a flag kept", () => {
    // A preloaded module reports the flags the process exits with: the first process never exits,
    // it is replaced (execve) by one started with the flags, which loads the same preload.
    const report =
      'data:text/javascript,process.on("exit",()=>process.stderr.write(JSON.stringify(process.execArgv)))';
    const execArgvOf = (nodeArgs: string[]) => {
      const run = spawnSync(process.execPath, [...nodeArgs, "--import", report, MAIN, "--help"], {
        encoding: "utf8",
      });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain("--server-url");
      return JSON.parse(run.stderr) as string[];
    };
    const flags = nodeFlags(true); // MAIN is the .ts entry
    expect(execArgvOf([]).filter((arg) => flags.includes(arg))).toEqual(flags);
    const own = execArgvOf(["--max-semi-space-size=4"]);
    expect(own).toContain("--max-semi-space-size=4");
    expect(own).not.toContain("--max-semi-space-size=1");
    expect(own).toContain("--single-threaded");
  });
});
