import { describe, expect, it } from "vitest";
import { computeWindow, isAtBottom, scrollToReveal } from "../src/lib/windowing.ts";

describe("computeWindow", () => {
  const base = { rowHeight: 18, viewportHeight: 360, overscan: 5 };

  it("renders nothing for an empty list", () => {
    expect(computeWindow({ ...base, count: 0, scrollTop: 0 })).toEqual({
      start: 0,
      end: 0,
      offsetTop: 0,
      totalHeight: 0,
    });
  });

  it("renders the visible rows plus overscan at the top", () => {
    const w = computeWindow({ ...base, count: 100_000, scrollTop: 0 });
    expect(w.start).toBe(0);
    expect(w.end).toBe(20 + 1 + 5);
    expect(w.totalHeight).toBe(1_800_000);
  });

  it("keeps the window small however long the list is", () => {
    const w = computeWindow({ ...base, count: 100_000, scrollTop: 900_000 });
    expect(w.start).toBe(50_000 - 5);
    expect(w.end - w.start).toBeLessThanOrEqual(20 + 1 + 10);
    expect(w.offsetTop).toBe(w.start * 18);
  });

  it("clamps a scroll position past the end (the list shrank)", () => {
    const w = computeWindow({ ...base, count: 30, scrollTop: 1e9 });
    expect(w.end).toBe(30);
    expect(w.start).toBe(Math.max(0, Math.floor((30 * 18 - 360) / 18) - 5));
  });

  it("renders every row of a list shorter than the viewport", () => {
    const w = computeWindow({ ...base, count: 3, scrollTop: 0 });
    expect([w.start, w.end]).toEqual([0, 3]);
  });
});

describe("isAtBottom / scrollToReveal", () => {
  it("counts a position within the slack as the bottom", () => {
    expect(isAtBottom(640, 360, 1000)).toBe(true);
    expect(isAtBottom(637, 360, 1000)).toBe(true);
    expect(isAtBottom(600, 360, 1000)).toBe(false);
  });

  it("scrolls just enough to reveal a row", () => {
    expect(scrollToReveal(0, 18, 100, 360)).toBe(0);
    expect(scrollToReveal(30, 18, 0, 360)).toBe(31 * 18 - 360);
    expect(scrollToReveal(10, 18, 0, 360)).toBeNull();
  });
});
