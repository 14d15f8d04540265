/** crowsnest-server's Node.js flags: a started server runs with them, an operator's own value kept. */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { execArgvAtExit } from "../../../test/support/node-flags.ts";
import { NODE_FLAGS } from "../src/runtime-flags.ts";

const MAIN = resolve(import.meta.dirname, "../src/main.ts");

describe("server runtime flags", () => {
  it("re-executes the server with them before it reads its settings", () => {
    const plain = execArgvAtExit(MAIN);
    expect(plain.stdout).toContain("CROWSNEST_DATA_DIR");
    expect(plain.execArgv.filter((arg) => NODE_FLAGS.includes(arg))).toEqual([...NODE_FLAGS]);
  });

  it("keeps a value the operator gave, on the command line or in NODE_OPTIONS", () => {
    const semiSpace = (execArgv: string[]) => execArgv.filter((arg) => /semi.space/.test(arg));
    expect(semiSpace(execArgvAtExit(MAIN, ["--max_semi_space_size=32"]).execArgv)).toEqual([
      "--max_semi_space_size=32",
    ]);
    const fromEnvironment = execArgvAtExit(MAIN, [], { NODE_OPTIONS: "--max-semi-space-size=32" }).execArgv;
    expect(semiSpace(fromEnvironment)).toEqual([]);
    // A V8 tuning flag, which NODE_OPTIONS refuses: the command line only.
    const growing = execArgvAtExit(MAIN, ["--heap_growing_percent=0"]).execArgv;
    expect(growing.filter((arg) => /heap.growing/.test(arg))).toEqual(["--heap_growing_percent=0"]);
  });
});
