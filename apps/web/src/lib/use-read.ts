"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { errorText } from "./api.ts";
import { ReadResync, type Update } from "./read-resync.ts";

export type Load<T> =
  | { status: "loading"; data: null; error: null }
  | { status: "ok"; data: T; error: null }
  | { status: "error"; data: T | null; error: string };

/** How a live subscription keeps a read whole (useLiveTopic's `reads`; ReadResync says how). */
export interface LiveResync {
  /** The subscription is being sent (again, after a reconnect): keep the updates from now on. */
  subscribing(): void;
  /** The server says it took effect: read again, and apply the kept updates to what it returns. */
  subscribed(): void;
}

/**
 * One read keyed by `key`; `reload` refetches, `set` lets live messages refresh the data in place.
 * An update must give the same result applied again to data that already has it: what a read
 * returns gets the updates made while it was under way applied to it (ReadResync).
 */
export function useRead<T>(
  key: string | null,
  fetcher: (signal: AbortSignal) => Promise<T>,
): { state: Load<T>; reload: () => void; set: (update: Update<T>) => void; resync: LiveResync } {
  const [state, setState] = useState<Load<T>>({ status: "loading", data: null, error: null });
  const [nonce, setNonce] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const resyncRef = useRef(new ReadResync<T>());
  // biome-ignore lint/correctness/useExhaustiveDependencies: `nonce` is the reload trigger
  useEffect(() => {
    if (key === null) return;
    const ac = new AbortController();
    const ticket = resyncRef.current.fetchStarted();
    setState((s): Load<T> => (s.data === null ? { status: "loading", data: null, error: null } : s));
    fetcherRef.current(ac.signal).then(
      (data) => {
        if (ac.signal.aborted) return;
        const replay = resyncRef.current.fetchEnded(ticket, true);
        setState({ status: "ok", data: replay.reduce((d, update) => update(d), data), error: null });
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        resyncRef.current.fetchEnded(ticket, false);
        setState((s): Load<T> => ({ status: "error", data: s.data, error: errorText(err) }));
      },
    );
    return () => ac.abort();
  }, [key, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const set = useCallback(
    (update: Update<T>) => {
      if (!resyncRef.current.applied(update)) reload();
      setState((s): Load<T> => {
        if (s.data === null) return s;
        const data = update(s.data);
        return s.status === "error" ? { ...s, data } : { status: "ok", data, error: null };
      });
    },
    [reload],
  );
  const resync = useMemo<LiveResync>(
    () => ({
      subscribing: () => resyncRef.current.subscribing(),
      subscribed: () => {
        resyncRef.current.subscribed();
        reload();
      },
    }),
    [reload],
  );
  return { state, reload, set, resync };
}
