"use client";
import {
  type ReactNode,
  type RefObject,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from "react";
import { computeVariableWindow, computeWindow, isAtBottom } from "../lib/windowing.ts";

/**
 * Renders only the rows in (and just around) the viewport; rows have a fixed height, or the
 * heights `offsets` gives (rowOffsets: each row's top, then the total; wrapped log lines).
 * With `follow`, the list sticks to the bottom as rows arrive; scrolling up reports
 * `onFollowChange(false)`, scrolling back to the bottom reports true.
 */
export function VirtualList({
  count,
  rowHeight,
  renderRow,
  follow,
  onFollowChange,
  overscan = 10,
  className,
  testId,
  scrollRef,
  offsets,
}: {
  count: number;
  rowHeight: number;
  offsets?: readonly number[];
  renderRow: (index: number) => ReactNode;
  follow: boolean;
  onFollowChange?: (follow: boolean) => void;
  overscan?: number;
  className?: string;
  testId?: string;
  scrollRef?: RefObject<HTMLDivElement | null>;
}) {
  const contentHeight = offsets ? (offsets[count] ?? 0) : count * rowHeight;
  const ownRef = useRef<HTMLDivElement | null>(null);
  const ref = scrollRef ?? ownRef;
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const programmatic = useRef(false);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, [ref]);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !follow) return;
    const bottom = Math.max(0, contentHeight - el.clientHeight);
    if (Math.abs(el.scrollTop - bottom) > 1) {
      programmatic.current = true;
      el.scrollTop = bottom;
      setScrollTop(el.scrollTop);
    }
  }, [contentHeight, follow, ref]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    onFollowChange?.(isAtBottom(el.scrollTop, el.clientHeight, contentHeight));
  }, [contentHeight, onFollowChange, ref]);

  const w = offsets
    ? computeVariableWindow(offsets, scrollTop, height, overscan)
    : computeWindow({ count, rowHeight, scrollTop, viewportHeight: height, overscan });
  const rows: ReactNode[] = [];
  for (let i = w.start; i < w.end; i++) rows.push(renderRow(i));
  return (
    <div
      ref={ref}
      className={`vlist ${className ?? ""}`}
      onScroll={onScroll}
      data-testid={testId}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to scroll it
      tabIndex={0}
    >
      <div className="vlist-inner" style={{ height: w.totalHeight }}>
        <div className="vlist-window" style={{ transform: `translateY(${w.offsetTop}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
