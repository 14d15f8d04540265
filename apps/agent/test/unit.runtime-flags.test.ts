/** The agent's Node.js flags: which apply where, and that a started agent runs with them. */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runtimeAtExit } from "../../../test/support/node-flags.ts";
import { NODE_FLAGS, nodeFlags } from "../src/runtime-flags.ts";

const MAIN = resolve(import.meta.dirname, "../src/main.ts");

describe("runtime flags", () => {
  it("keeps WebAssembly, which type stripping needs, when running from sources", () => {
    expect(nodeFlags(false)).toEqual([...NODE_FLAGS]);
    expect(nodeFlags(true)).not.toContain("--jitless");
    expect(nodeFlags(true)).toContain("--max-semi-space-size=1");
  });

  it("re-executes the agent with them, an operator's own value of a flag kept", () => {
    const flags = nodeFlags(true); // MAIN is the .ts entry
    const plain = runtimeAtExit(MAIN);
    expect(plain.stdout).toContain("--server-url");
    expect(plain.execArgv.filter((arg) => flags.includes(arg))).toEqual(flags);
    const own = runtimeAtExit(MAIN, ["--max-semi-space-size=4"]).execArgv;
    expect(own).toContain("--max-semi-space-size=4");
    expect(own).not.toContain("--max-semi-space-size=1");
    expect(own).toContain("--single-threaded");
  });
});
