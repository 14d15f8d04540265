import { readFile } from "node:fs/promises";
import type { Logger } from "../logger.ts";

/** The sysctl that caps inotify instances per user, and where Linux shows it. */
export const INOTIFY_INSTANCES_SYSCTL = "fs.inotify.max_user_instances";
const INOTIFY_INSTANCES_FILE = "/proc/sys/fs/inotify/max_user_instances";

/** The host's inotify instance limit per user, or null where it cannot be read (not Linux, /proc hidden). */
export async function inotifyInstanceLimit(): Promise<number | null> {
  try {
    const limit = Number.parseInt(await readFile(INOTIFY_INSTANCES_FILE, "utf8"), 10);
    return Number.isSafeInteger(limit) && limit >= 0 ? limit : null;
  } catch {
    return null;
  }
}

/**
 * Warns when the host allows fewer inotify instances per user than the containers whose logs the
 * agent follows, and says so with the sysctl to raise. dockerd watches each followed json-file or
 * local log with an inotify instance of its own (moby 20.10: loggerutils.watchFile, filenotify.New);
 * past the limit it polls each further log file every 200 ms instead, silently, and that polling is
 * dockerd CPU the agent causes (BENCHMARKS.md, "Agent footprint"). Returns whether it warned.
 */
export function warnIfInotifyShort(following: number, limit: number | null, log: Logger): boolean {
  if (limit === null || following <= limit) return false;
  log.warn(
    `the host allows ${limit} inotify instances per user and the agent follows ${following} containers' logs: ` +
      "Docker watches each followed log with one and polls the rest every 200 ms, which costs dockerd CPU; " +
      `raise the limit: sysctl -w ${INOTIFY_INSTANCES_SYSCTL}=${suggestedLimit(following)} ` +
      `(and keep it in /etc/sysctl.d/)`,
    { sysctl: INOTIFY_INSTANCES_SYSCTL, limit, following },
  );
  return true;
}

/**
 * Room for twice the containers followed (dockerd's user runs other watchers, containers come and
 * go), at least 1024, as a power of two.
 */
function suggestedLimit(following: number): number {
  let limit = 1024;
  while (limit < 2 * following) limit *= 2;
  return limit;
}
