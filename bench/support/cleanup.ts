import { removeBenchContainers } from "./bench-containers.ts";

/** Child processes (server, agents, watchers) alive right now, by pid. */
const children = new Set<number>();

/** Records a child to kill if the harness is interrupted; returns the call that forgets it. */
export function trackChild(pid: number | undefined): () => void {
  if (pid === undefined) return () => {};
  children.add(pid);
  return () => children.delete(pid);
}

/**
 * On Ctrl-C or SIGTERM the suites' `finally` blocks never run: kill the children the harness
 * started, remove its containers, and exit with the signal's conventional code.
 */
export function cleanUpOnSignals(): void {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping ${children.size} child process(es), removing bench containers`);
      for (const pid of children) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      void removeBenchContainers().finally(() => process.exit(code));
    });
  }
}
