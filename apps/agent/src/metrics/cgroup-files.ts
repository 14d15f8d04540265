/** Parsers for the kernel files the cgroup collector reads; pure, so recorded files can test them. */

/** `/proc/stat`'s first line, as the daemon reads it: user..softirq ticks, in nanoseconds. */
export function parseProcStatSystemNs(text: string, clockTicksPerSecond = 100): number {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (line === undefined) throw new Error("/proc/stat has no cpu line");
  const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
  if (fields.length < 7 || fields.some((n) => !Number.isFinite(n)))
    throw new Error("malformed cpu line in /proc/stat");
  const ticks = fields.reduce((sum, n) => sum + n, 0);
  return (ticks * 1e9) / clockTicksPerSecond;
}

/** Where a process's cgroups are: controller → path (v1), and "" → path for the v2 unified line. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, controllers = "", path = ""] = match;
    if (controllers === "") out.set("", path);
    for (const controller of controllers.split(",")) if (controller !== "") out.set(controller, path);
  }
  return out;
}

/**
 * "key value" lines (memory.stat, cpu.stat); with `keys`, only those are looked up (a key not in
 * the file is left out): memory.stat has some 35 lines, read every second for every container.
 */
export function parseFlatKeyed(text: string, keys?: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (keys !== undefined) {
    const lines = `\n${text}`; // every key, the first one's included, follows a newline
    for (const key of keys) {
      const at = lines.indexOf(`\n${key} `);
      if (at < 0) continue;
      const end = lines.indexOf("\n", at + 1);
      out[key] = Number(lines.slice(at + key.length + 2, end < 0 ? undefined : end));
    }
    return out;
  }
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = Number(value);
  }
  return out;
}

/** A single number, or v2's "max" for no limit. */
export function parseLimit(text: string): number | null {
  const value = text.trim();
  return value === "max" ? null : Number(value);
}

/** v1 blkio.*io_service_bytes_recursive: "8:0 Read 4096" lines, summed over devices. */
export function parseBlkioV1(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split("\n")) {
    const [, op, value] = line.trim().split(/\s+/);
    if (op === undefined || value === undefined) continue;
    if (op.toLowerCase() === "read") read += Number(value);
    if (op.toLowerCase() === "write") write += Number(value);
  }
  return { read, write };
}

/** v2 io.stat: "8:0 rbytes=4096 wbytes=0 rios=1 ...", summed over devices. */
export function parseIoStatV2(text: string): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of text.split("\n")) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const [key, value] = field.split("=");
      if (key === "rbytes") read += Number(value);
      if (key === "wbytes") write += Number(value);
    }
  }
  return { read, write };
}

/** /proc/<pid>/net/dev of the container's first process: its network namespace, loopback excluded as Docker does. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    if (line.slice(0, colon).trim() === "lo") continue;
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    rx += fields[0] ?? 0;
    tx += fields[8] ?? 0;
  }
  return { rx, tx };
}
