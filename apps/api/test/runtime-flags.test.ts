/** crowsnest-server's Node.js flags and environment: a started server runs with them, an operator's own value kept. */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runtimeAtExit } from "../../../test/support/node-flags.ts";
import { NODE_ENVIRONMENT, NODE_FLAGS } from "../src/runtime-flags.ts";

const MAIN = resolve(import.meta.dirname, "../src/main.ts");

describe("server runtime flags", () => {
  it("re-executes the server with them before it reads its settings", () => {
    // Whatever the environment running the tests holds.
    const plain = runtimeAtExit(MAIN, [], { MALLOC_ARENA_MAX: undefined });
    expect(plain.stdout).toContain("CROWSNEST_DATA_DIR");
    expect(plain.execArgv.filter((arg) => NODE_FLAGS.includes(arg))).toEqual([...NODE_FLAGS]);
    expect(plain.env).toMatchObject(NODE_ENVIRONMENT);
  });

  it("keeps an environment variable the operator set, and re-executes for a missing one alone", () => {
    expect(runtimeAtExit(MAIN, [], { MALLOC_ARENA_MAX: "8" }).env.MALLOC_ARENA_MAX).toBe("8");
    const flagsGiven = runtimeAtExit(MAIN, [...NODE_FLAGS], { MALLOC_ARENA_MAX: undefined });
    expect(flagsGiven.env).toMatchObject(NODE_ENVIRONMENT);
  });

  it("keeps a value the operator gave, on the command line or in NODE_OPTIONS", () => {
    const semiSpace = (execArgv: string[]) => execArgv.filter((arg) => /semi.space/.test(arg));
    expect(semiSpace(runtimeAtExit(MAIN, ["--max_semi_space_size=32"]).execArgv)).toEqual([
      "--max_semi_space_size=32",
    ]);
    const fromEnvironment = runtimeAtExit(MAIN, [], { NODE_OPTIONS: "--max-semi-space-size=32" }).execArgv;
    expect(semiSpace(fromEnvironment)).toEqual([]);
    // A V8 tuning flag, which NODE_OPTIONS refuses: the command line only.
    const growing = runtimeAtExit(MAIN, ["--heap_growing_percent=0"]).execArgv;
    expect(growing.filter((arg) => /heap.growing/.test(arg))).toEqual(["--heap_growing_percent=0"]);
  });
});
