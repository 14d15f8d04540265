"use client";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { errorText } from "./api.ts";

export type Load<T> =
  | { status: "loading"; data: null; error: null }
  | { status: "ok"; data: T; error: null }
  | { status: "error"; data: T | null; error: string };

/**
 * How a live subscription keeps a read whole (useLiveTopic's `reads`). Live messages are relayed
 * before they are stored, so a read can miss one that the page has already applied; and whatever
 * happened before the subscription took effect (after the first read, or while the socket was
 * down) comes in no message. So: every update made from `subscribing` on is kept; once `subscribed`,
 * the data is read again and the kept updates are applied to that read, in order, then dropped.
 */
export interface LiveResync {
  /** The subscription is being sent (again, after a reconnect): keep the updates from now on. */
  subscribing(): void;
  /** The server says it took effect: read again, and apply the kept updates to what it returns. */
  subscribed(): void;
}

/**
 * One read keyed by `key`; `reload` refetches, `set` lets live messages refresh the data in place
 * (an update must give the same result applied again to data that already has it: LiveResync
 * replays it onto a later read).
 */
export function useRead<T>(
  key: string | null,
  fetcher: (signal: AbortSignal) => Promise<T>,
): { state: Load<T>; reload: () => void; set: (update: (prev: T) => T) => void; resync: LiveResync } {
  const [state, setState] = useState<Load<T>>({ status: "loading", data: null, error: null });
  const [nonce, setNonce] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  /** The updates kept since `subscribing`, or null when none are kept. */
  const keptRef = useRef<((prev: T) => T)[] | null>(null);
  /** Counts `subscribing` calls: a read started under an earlier subscription does not end the keeping. */
  const generationRef = useRef(0);
  const confirmedRef = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `nonce` is the reload trigger
  useEffect(() => {
    if (key === null) return;
    const ac = new AbortController();
    const generation = generationRef.current;
    const afterConfirmed = confirmedRef.current;
    setState((s): Load<T> => (s.data === null ? { status: "loading", data: null, error: null } : s));
    fetcherRef.current(ac.signal).then(
      (data) => {
        if (ac.signal.aborted) return;
        const replay = [...(keptRef.current ?? [])];
        if (afterConfirmed && generation === generationRef.current) keptRef.current = null;
        setState({ status: "ok", data: replay.reduce((d, update) => update(d), data), error: null });
      },
      (err: unknown) => {
        if (ac.signal.aborted) return;
        setState((s): Load<T> => ({ status: "error", data: s.data, error: errorText(err) }));
      },
    );
    return () => ac.abort();
  }, [key, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const set = useCallback((update: (prev: T) => T) => {
    keptRef.current?.push(update);
    setState((s): Load<T> => {
      if (s.data === null) return s;
      const data = update(s.data);
      return s.status === "error" ? { ...s, data } : { status: "ok", data, error: null };
    });
  }, []);
  const resync = useMemo<LiveResync>(
    () => ({
      subscribing: () => {
        generationRef.current++;
        confirmedRef.current = false;
        keptRef.current = [];
      },
      subscribed: () => {
        confirmedRef.current = true;
        reload();
      },
    }),
    [reload],
  );
  return { state, reload, set, resync };
}
