import { describe, expect, it } from "vitest";
import { withBootDividers, wrappedLines } from "../src/lib/log-layout.ts";
import type { LogRow } from "../src/lib/logs.ts";
import { computeVariableWindow, rowOffsets } from "../src/lib/windowing.ts";

const line = (ts: string, text: string, stream: "stdout" | "stderr" = "stdout"): LogRow => ({
  kind: "line",
  key: ts,
  ts,
  stream,
  text,
  truncated: false,
});
const die = (iso: string, exitCode: number, oomKilled = false) => ({
  time: Date.parse(iso),
  action: "die" as const,
  exitCode,
  oomKilled,
});

describe("boot dividers in a crash loop's log", () => {
  const rows = [
    line("2026-01-01T00:00:01.000000001Z", "boot 1"),
    line("2026-01-01T00:00:05.500000000Z", "boot 2"),
    line("2026-01-01T00:00:09.100000000Z", "boot 3"),
  ];
  const events = [
    {
      time: Date.parse("2026-01-01T00:00:00.500Z"),
      action: "start" as const,
      exitCode: null,
      oomKilled: false,
    },
    die("2026-01-01T00:00:02Z", 1),
    die("2026-01-01T00:00:06Z", 137, true),
    die("2026-01-01T00:00:10Z", 1),
  ];

  it("puts each die between the boots, after the last line too, and ignores other events", () => {
    const shown = withBootDividers(rows, events, true);
    expect(
      shown.map((r) =>
        r.kind === "divider"
          ? `÷${r.exitCode}${r.oomKilled ? "oom" : ""}`
          : r.kind === "line"
            ? r.text
            : "gap",
      ),
    ).toEqual(["boot 1", "÷1", "boot 2", "÷137oom", "boot 3", "÷1"]);
  });

  it("leaves out dividers older than the first loaded line while older lines remain to load", () => {
    const older = [die("2025-12-31T23:00:00Z", 2), ...events];
    expect(withBootDividers(rows, older, false).filter((r) => r.kind === "divider")).toHaveLength(3);
    expect(withBootDividers(rows, older, true).filter((r) => r.kind === "divider")).toHaveLength(4);
  });
});

describe("wrapped log rows", () => {
  it("count the screen lines of the timestamp, the stderr mark and the text without ANSI codes", () => {
    const row = line("2026-01-01T00:00:01Z", `\u001b[31m${"x".repeat(100)}\u001b[0m`, "stderr");
    expect(wrappedLines(row, 50, false)).toBe(3); // 4 + 100 columns
    expect(wrappedLines(row, 128, true)).toBe(1); // 24 + 4 + 100
    expect(wrappedLines(row, 127, true)).toBe(2);
    expect(wrappedLines(line("2026-01-01T00:00:01Z", ""), 40, false)).toBe(1);
  });

  it("window over rows of differing heights", () => {
    const heights = [18, 54, 18, 36, 18];
    const offsets = rowOffsets(heights.length, (i) => heights[i] ?? 0);
    expect(offsets).toEqual([0, 18, 72, 90, 126, 144]);
    expect(computeVariableWindow(offsets, 20, 60, 0)).toEqual({
      start: 1,
      end: 3,
      offsetTop: 18,
      totalHeight: 144,
    });
    expect(computeVariableWindow(offsets, 0, 1_000, 2)).toMatchObject({ start: 0, end: 5 });
    expect(computeVariableWindow([0], 0, 100, 3)).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
  });
});
