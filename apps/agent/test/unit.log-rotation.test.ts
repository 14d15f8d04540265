import type { LogDrop, LogLine } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import type { LogConfig, LogsOptions } from "../src/docker/engine.ts";
import { createLogger } from "../src/logger.ts";
import { followLogs, logRotates } from "../src/logs/follower.ts";
import { RateLimiter } from "../src/logs/rate-limiter.ts";

const ID = "f".repeat(64);
const ts = (n: number) => `2026-11-24T12:00:00.${String(n).padStart(9, "0")}Z`;

/** One multiplexed stdout frame, as Docker sends a `timestamps=1` log message. */
function frame(n: number): Buffer {
  const payload = Buffer.from(`${ts(n)} R ${n}\n`);
  const header = Buffer.alloc(8);
  header[0] = 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function* frames(numbers: number[]): AsyncGenerator<Buffer> {
  for (const n of numbers) yield frame(n);
}

/**
 * Docker Engine 20.10 with a json-file log rotated at `max-size`: the container waits, then writes
 * lines 1..300 in one burst, of which Docker still holds 251..300 once it is over. A snapshot
 * (no `follow`) returns what Docker holds, whole and in order. A follow stream is what Docker's
 * file follower made of that burst in the e2e runs: the first file (1..54), then, having fallen
 * behind by several rotations, a later file (162..184) read twice, then the end; the container
 * has stopped by the time a stream is opened after the burst.
 */
function rotatingEngine() {
  const burst = Array.from({ length: 300 }, (_, i) => i + 1);
  let written = false;
  const requests: LogsOptions[] = [];
  const held = () => (written ? burst.slice(250) : []);
  const range = (from: number, to: number) => burst.slice(from - 1, to);
  const engine = {
    logConfig: async (): Promise<LogConfig> => ({ driver: "json-file", options: { "max-size": "4k" } }),
    logs: async (_id: string, options: LogsOptions): Promise<AsyncIterable<Buffer>> => {
      requests.push(options);
      const since = options.since ?? 0;
      const kept = held().filter((n) => Date.parse(ts(n)) / 1000 >= since);
      if (!options.follow) return frames(kept);
      if (written) return frames(options.tail === undefined ? kept : kept.slice(-options.tail));
      written = true;
      return frames([...range(1, 54), ...range(162, 184), ...range(162, 184), ...range(185, 300)]);
    },
  };
  return { engine, requests };
}

describe("a log Docker rotates", () => {
  it("is json-file with a max-size, or local", () => {
    expect(logRotates({ driver: "json-file", options: { "max-size": "10m", "max-file": "3" } })).toBe(true);
    expect(logRotates({ driver: "local", options: {} })).toBe(true);
    expect(logRotates({ driver: "json-file", options: {} })).toBe(false);
    expect(logRotates({ driver: "json-file", options: { "max-size": "-1" } })).toBe(false);
    expect(logRotates({ driver: "journald", options: { "max-size": "10m" } })).toBe(false);
  });

  it("is read from snapshots, not from the skips and repeats of Docker's follow stream: each line once, in order, the lost ones reported as one gap", async () => {
    const { engine, requests } = rotatingEngine();
    const lines: LogLine[] = [];
    const drops: LogDrop[] = [];
    await followLogs(
      {
        engine,
        containerId: ID,
        tty: false,
        start: null,
        tail: undefined,
        limiter: new RateLimiter(1000),
        sink: { line: (line) => lines.push(line), dropped: (drop) => drops.push(drop), lag: () => {} },
        log: createLogger("error"),
      },
      new AbortController().signal,
    );
    // Line 1 is the container's next line after the (empty) snapshot, taken from the follow stream
    // before Docker's follower could fall behind; the rest from snapshots.
    expect(lines.map((l) => l.text)).toEqual([
      "R 1",
      ...Array.from({ length: 50 }, (_, i) => `R ${251 + i}`),
    ]);
    expect(drops).toEqual([
      { containerId: ID, count: null, from: Date.parse(ts(1)), to: Date.parse(ts(251)), reason: "rotated" },
    ]);
    expect(requests.filter((r) => r.follow).every((r) => r.tail === 1 || r.tail === undefined)).toBe(true);
  });
});
