/** crowsnest-server's Node.js flags and environment: a started server runs with them, an operator's own values kept. */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { execArgvAtExit } from "../../../test/support/node-flags.ts";
import { ENV_DEFAULTS, NODE_FLAGS } from "../src/runtime-flags.ts";

const MAIN = resolve(import.meta.dirname, "../src/main.ts");

describe("server runtime flags", () => {
  it("re-executes the server with them before it reads its settings", () => {
    const plain = execArgvAtExit(MAIN);
    expect(plain.stdout).toContain("CROWSNEST_DATA_DIR");
    expect(plain.execArgv.filter((arg) => NODE_FLAGS.includes(arg))).toEqual([...NODE_FLAGS]);
    expect(plain.env).toMatchObject(ENV_DEFAULTS);
  });

  it("sets its environment defaults where only they are missing, and keeps an operator's value", () => {
    const flagsGiven = execArgvAtExit(MAIN, [...NODE_FLAGS], { MALLOC_ARENA_MAX: undefined });
    expect(flagsGiven.env.MALLOC_ARENA_MAX).toBe("2");
    expect(flagsGiven.execArgv.filter((arg) => NODE_FLAGS.includes(arg))).toEqual([...NODE_FLAGS]);
    expect(execArgvAtExit(MAIN, [], { MALLOC_ARENA_MAX: "4" }).env.MALLOC_ARENA_MAX).toBe("4");
  });

  it("keeps a value the operator gave, on the command line or in NODE_OPTIONS", () => {
    const semiSpace = (execArgv: string[]) => execArgv.filter((arg) => /semi.space/.test(arg));
    expect(semiSpace(execArgvAtExit(MAIN, ["--max_semi_space_size=32"]).execArgv)).toEqual([
      "--max_semi_space_size=32",
    ]);
    const fromEnvironment = execArgvAtExit(MAIN, [], { NODE_OPTIONS: "--max-semi-space-size=32" }).execArgv;
    expect(semiSpace(fromEnvironment)).toEqual([]);
  });
});
