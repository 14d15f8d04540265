import { globSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A wall clock that a test steps under a running process, with libfaketime (Debian's
 * `libfaketime`, installed by scripts/test-env.sh) preloaded into it. Node reads the wall clock
 * through clock_gettime(CLOCK_REALTIME), which libfaketime intercepts; the monotonic clock is
 * left alone (DONT_FAKE_MONOTONIC), as a real clock step (NTP, settimeofday, a resumed machine)
 * leaves it. The offset lives in a file the library re-reads at most once a second.
 */
export class FakeClock {
  readonly #file: string;
  /** The environment that puts a child process on this clock. */
  readonly env: NodeJS.ProcessEnv;

  constructor(dir: string) {
    const library = globSync("/usr/lib/*/faketime/libfaketimeMT.so.1")[0];
    if (library === undefined) {
      throw new Error("libfaketime is not installed: run `sudo bash scripts/test-env.sh`");
    }
    this.#file = join(dir, "faketime");
    this.set(0);
    this.env = {
      LD_PRELOAD: library,
      FAKETIME_TIMESTAMP_FILE: this.#file,
      FAKETIME_CACHE_DURATION: "1",
      DONT_FAKE_MONOTONIC: "1",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    };
  }

  /** Puts the process's wall clock `seconds` ahead of the real one (behind when negative). */
  set(seconds: number): void {
    writeFileSync(this.#file, `${seconds >= 0 ? "+" : ""}${seconds}s\n`);
  }
}
