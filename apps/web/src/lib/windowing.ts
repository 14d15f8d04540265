/** The rows a virtualized list must render for a scroll position, with fixed-height rows. */
export interface WindowInput {
  count: number;
  rowHeight: number;
  scrollTop: number;
  viewportHeight: number;
  /** Extra rows rendered above and below the viewport so fast scrolling shows no blank. */
  overscan: number;
}

export interface WindowRange {
  /** First rendered index (inclusive). */
  start: number;
  /** Last rendered index (exclusive). */
  end: number;
  /** Pixel offset of row `start` from the top of the content. */
  offsetTop: number;
  /** Height of the whole content. */
  totalHeight: number;
}

export function computeWindow(input: WindowInput): WindowRange {
  const count = Math.max(0, Math.floor(input.count));
  const rowHeight = Math.max(1, input.rowHeight);
  const totalHeight = count * rowHeight;
  if (count === 0) return { start: 0, end: 0, offsetTop: 0, totalHeight: 0 };
  const maxScroll = Math.max(0, totalHeight - input.viewportHeight);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScroll);
  const first = Math.floor(scrollTop / rowHeight);
  const visible = Math.ceil(Math.max(0, input.viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - input.overscan);
  const end = Math.min(count, first + visible + input.overscan);
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/** Whether a scroll position counts as "at the bottom" (following), with a small tolerance. */
export function isAtBottom(
  scrollTop: number,
  viewportHeight: number,
  totalHeight: number,
  slack = 4,
): boolean {
  return scrollTop + viewportHeight >= totalHeight - slack;
}

/** scrollTop that brings row `index` into view, or null when it already is. */
export function scrollToReveal(
  index: number,
  rowHeight: number,
  scrollTop: number,
  viewportHeight: number,
): number | null {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return bottom - viewportHeight;
  return null;
}

/**
 * computeWindow for rows of differing heights: `offsets` holds each row's top and, last, the
 * content's height (length count + 1, ascending), as rowOffsets makes them.
 */
export function computeVariableWindow(
  offsets: readonly number[],
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
): WindowRange {
  const count = offsets.length - 1;
  const totalHeight = offsets[count] ?? 0;
  if (count <= 0) return { start: 0, end: 0, offsetTop: 0, totalHeight: 0 };
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - viewportHeight));
  const first = rowAt(offsets, top);
  const last = rowAt(offsets, top + Math.max(0, viewportHeight));
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, last + 1 + overscan);
  return { start, end, offsetTop: offsets[start] ?? 0, totalHeight };
}

/** The row whose span holds pixel `y` (binary search over the offsets). */
function rowAt(offsets: readonly number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offsets[mid] ?? 0) <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Prefix sums of row heights: each row's top, then the total (see computeVariableWindow). */
export function rowOffsets(count: number, heightOf: (index: number) => number): number[] {
  const offsets = new Array<number>(count + 1);
  let y = 0;
  for (let i = 0; i < count; i++) {
    offsets[i] = y;
    y += heightOf(i);
  }
  offsets[count] = y;
  return offsets;
}
