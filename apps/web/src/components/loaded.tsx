"use client";
import type { ReactNode } from "react";
import type { Load } from "../lib/use-read.ts";
import { Empty, ErrorState, Loading } from "./states.tsx";

/**
 * The loading, error and empty states of one read, then its data. A failed reload keeps the
 * last data on screen under the error, so a blip does not blank the page.
 */
export function Loaded<T>({
  read,
  what,
  isEmpty,
  empty,
  children,
}: {
  read: { state: Load<T>; reload: () => void };
  /** What is loading, e.g. "hosts". */
  what: string;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  const { state, reload } = read;
  if (state.status === "loading") return <Loading what={what} />;
  const body = (data: T) => (isEmpty?.(data) ? <Empty>{empty}</Empty> : children(data));
  if (state.status === "ok") return body(state.data);
  if (state.data === null) return <ErrorState error={state.error} onRetry={reload} />;
  return (
    <>
      <ErrorState error={`Showing the last ${what} loaded: ${state.error}`} onRetry={reload} />
      {body(state.data)}
    </>
  );
}

/** For list reads: empty when the list is. */
export const noItems = (list: readonly unknown[]): boolean => list.length === 0;
