import { describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.ts";
import { inotifyInstanceLimit, warnIfInotifyShort } from "../src/logs/inotify-limit.ts";

/** A logger that keeps its JSON lines. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger("debug", (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return { log, lines };
}

describe("the inotify instance limit check", () => {
  it("reads this host's limit from /proc", async () => {
    expect(await inotifyInstanceLimit()).toBeGreaterThan(0);
  });

  it("warns past the limit, naming the sysctl, the limit, the containers followed and a value to set", () => {
    const { log, lines } = recordingLogger();
    expect(warnIfInotifyShort(129, 128, log)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "warn",
      sysctl: "fs.inotify.max_user_instances",
      limit: 128,
      following: 129,
    });
    expect(lines[0]?.msg).toContain("sysctl -w fs.inotify.max_user_instances=1024");
  });

  it("suggests room for twice the containers followed, as a power of two, past 1024", () => {
    const { log, lines } = recordingLogger();
    warnIfInotifyShort(700, 512, log);
    expect(lines[0]?.msg).toContain("fs.inotify.max_user_instances=2048");
  });

  it("says nothing up to the limit, or when the limit cannot be read", () => {
    const { log, lines } = recordingLogger();
    expect(warnIfInotifyShort(128, 128, log)).toBe(false);
    expect(warnIfInotifyShort(0, 0, log)).toBe(false);
    expect(warnIfInotifyShort(5000, null, log)).toBe(false);
    expect(lines).toEqual([]);
  });
});
