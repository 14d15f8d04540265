import { stripAnsi } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { applySgr, highlight, parseAnsi, xterm256 } from "../src/lib/ansi.ts";

describe("parseAnsi", () => {
  it("returns plain text as one unstyled segment", () => {
    expect(parseAnsi("hello world")).toEqual([{ text: "hello world", style: {} }]);
  });

  it("splits on SGR colour changes and resets", () => {
    expect(parseAnsi("\x1b[32mINFO\x1b[0m ok \x1b[1;31mbad\x1b[22m still red")).toEqual([
      { text: "INFO", style: { fg: 2 } },
      { text: " ok ", style: {} },
      { text: "bad", style: { bold: true, fg: 1 } },
      { text: " still red", style: { fg: 1 } },
    ]);
  });

  it("understands bright, background, 256-colour and truecolour codes", () => {
    expect(parseAnsi("\x1b[93;104mx")[0]?.style).toEqual({ fg: 11, bg: 12 });
    expect(parseAnsi("\x1b[38;5;196my")[0]?.style).toEqual({ fg: xterm256(196) });
    expect(parseAnsi("\x1b[38;5;9my")[0]?.style).toEqual({ fg: 9 });
    expect(parseAnsi("\x1b[48;2;10;20;30mz")[0]?.style).toEqual({ bg: "rgb(10, 20, 30)" });
    expect(xterm256(196)).toBe("rgb(255, 0, 0)");
    expect(xterm256(232)).toBe("rgb(8, 8, 8)");
  });

  it("drops non-SGR escape sequences and other control characters", () => {
    const segs = parseAnsi("a\x1b[2Kb\x1b]0;title\x07c\x1b[?25ld\x00e\tf");
    expect(segs.map((s) => s.text).join("")).toBe("abcde\tf");
  });

  it("treats HTML as text: the segments hold the characters as they are", () => {
    const line = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    expect(parseAnsi(line)).toEqual([{ text: line, style: {} }]);
  });

  it("ignores an out-of-range extended colour without losing the rest", () => {
    expect(applySgr({}, "38;5;300;1")).toEqual({ bold: true });
    expect(applySgr({ fg: 1 }, "")).toEqual({});
  });

  it("stripAnsi removes every escape sequence", () => {
    expect(stripAnsi("\x1b[1;32mgreen\x1b[0m text")).toBe("green text");
  });
});

describe("highlight", () => {
  it("marks the given ranges of the joined text, also across styled segments", () => {
    const pieces = highlight(parseAnsi("ab\x1b[31mcD\x1b[0mef cd"), [[1, 4]]);
    expect(pieces).toEqual([
      { text: "a", style: {}, match: false },
      { text: "b", style: {}, match: true },
      { text: "cD", style: { fg: 1 }, match: true },
      { text: "ef cd", style: {}, match: false },
    ]);
  });

  it("returns unmarked pieces when there is nothing to mark", () => {
    expect(highlight(parseAnsi("abc"), [])).toEqual([{ text: "abc", style: {}, match: false }]);
  });

  it("marks every range", () => {
    const marked = highlight(parseAnsi("error: error"), [
      [0, 5],
      [7, 12],
    ]).filter((p) => p.match);
    expect(marked.map((p) => p.text)).toEqual(["error", "error"]);
  });
});
