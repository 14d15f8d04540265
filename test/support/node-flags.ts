import { spawnSync } from "node:child_process";

/**
 * The Node.js flags (`process.execArgv`) and environment (`process.env`) a program ends up running
 * with, started as `node [nodeArgs] ENTRY --help` with `env` added to this process's environment,
 * and what it printed. A preloaded module reports them when the process exits: a process that re-executes
 * itself with its flags (execWithNodeFlags) never exits, it is replaced by one started with them,
 * which loads the same preload. Throws when the program does not exit with status 0 within 30 s
 * (one that re-executes itself again and again never does).
 */
export function runtimeAtExit(
  entry: string,
  nodeArgs: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): { execArgv: string[]; env: NodeJS.ProcessEnv; stdout: string } {
  const report =
    'data:text/javascript,process.on("exit",()=>process.stderr.write(JSON.stringify([process.execArgv,process.env])))';
  const run = spawnSync(process.execPath, [...nodeArgs, "--import", report, entry, "--help"], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  if (run.status !== 0) {
    throw new Error(`${entry} --help ended with ${run.status ?? run.signal}:\n${run.stderr.slice(-2000)}`);
  }
  const [execArgv, atExit] = JSON.parse(run.stderr) as [string[], NodeJS.ProcessEnv];
  return { execArgv, env: atExit, stdout: run.stdout };
}
