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
