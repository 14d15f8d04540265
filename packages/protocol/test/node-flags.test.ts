/**
 * Where execWithNodeFlags leaves a process as it was started. That it re-executes one, with an
 * operator's values kept, is tested through the programs themselves (apps/api/test/runtime-flags.test.ts,
 * apps/agent/test/unit.runtime-flags.test.ts): these cases need a process that cannot be made here.
 */
import { describe, expect, it } from "vitest";
import { execWithNodeFlags } from "../src/node-flags.ts";

/** A process as execWithNodeFlags reads it, whose execve records its arguments and environment, then calls `then`. */
function processWith(fields: Partial<NodeJS.Process>, then: () => void = () => {}) {
  const calls: string[][] = [];
  const envs: NodeJS.ProcessEnv[] = [];
  const proc = {
    execArgv: [],
    env: {},
    argv: ["/usr/bin/node", "/srv/main.ts", "--port", "8080"],
    execPath: "/usr/bin/node",
    execve: (_file: string, args: string[], env: NodeJS.ProcessEnv) => {
      calls.push(args);
      envs.push(env);
      then();
    },
    ...fields,
  } as unknown as NodeJS.Process;
  return { proc, calls, envs };
}

describe("execWithNodeFlags", () => {
  it("re-executes the script with the flags it lacks, before its own flags and arguments", () => {
    const { proc, calls } = processWith({ execArgv: ["--enable-source-maps"] });
    execWithNodeFlags(proc, ["--max-semi-space-size=8"]);
    expect(calls).toEqual([
      ["/usr/bin/node", "--max-semi-space-size=8", "--enable-source-maps", "/srv/main.ts", "--port", "8080"],
    ]);
  });

  it("sets the variables of `defaults` the environment lacks, re-executing for them alone", () => {
    const { proc, calls, envs } = processWith({
      execArgv: ["--max-semi-space-size=8"],
      env: { HOME: "/root" },
    });
    execWithNodeFlags(proc, ["--max-semi-space-size=8"], proc.env, { MALLOC_ARENA_MAX: "2" });
    expect(calls).toEqual([["/usr/bin/node", "--max-semi-space-size=8", "/srv/main.ts", "--port", "8080"]]);
    expect(envs).toEqual([{ HOME: "/root", MALLOC_ARENA_MAX: "2" }]);
  });

  it("keeps the operator's value of a variable, and a process with every flag and variable as it is", () => {
    const { proc, calls } = processWith({
      execArgv: ["--max-semi-space-size=8"],
      env: { MALLOC_ARENA_MAX: "8" },
    });
    execWithNodeFlags(proc, ["--max-semi-space-size=8"], proc.env, { MALLOC_ARENA_MAX: "2" });
    expect(calls).toEqual([]);
  });

  it("refuses a default no environment can hold, which would re-execute again and again", () => {
    const { proc, calls } = processWith({});
    expect(() => execWithNodeFlags(proc, [], proc.env, { "A=B": "1" })).toThrow(TypeError);
    expect(calls).toEqual([]);
  });

  it("runs on without them where execve is refused (Windows, the permission model)", () => {
    const refused = Object.assign(new Error("execve is not available on this platform"), {
      code: "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM",
    });
    const { proc, calls } = processWith({}, () => {
      throw refused;
    });
    expect(() => execWithNodeFlags(proc, ["--max-semi-space-size=8"])).not.toThrow();
    expect(calls).toHaveLength(1);
  });

  it("keeps a process with an IPC channel, which the new image would lose", () => {
    const { proc, calls } = processWith({ send: () => true });
    execWithNodeFlags(proc, ["--max-semi-space-size=8"]);
    expect(calls).toEqual([]);
  });
});
