"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorText } from "./api.ts";

export type Load<T> =
  | { status: "loading"; data: null; error: null }
  | { status: "ok"; data: T; error: null }
  | { status: "error"; data: T | null; error: string };

/**
 * One read keyed by `key`; `reload` refetches, `set` lets live messages refresh the data in place.
 * `keep(fetched, shown)`, where given, decides what a reload shows when data is shown already: what
 * live messages brought while the read was under way may be newer than what it read.
 */
export function useRead<T>(
  key: string | null,
  fetcher: (signal: AbortSignal) => Promise<T>,
  keep?: (fetched: T, shown: T) => T,
): { state: Load<T>; reload: () => void; set: (update: (prev: T) => T) => void } {
  const [state, setState] = useState<Load<T>>({ status: "loading", data: null, error: null });
  const [nonce, setNonce] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const keepRef = useRef(keep);
  keepRef.current = keep;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `nonce` is the reload trigger
  useEffect(() => {
    if (key === null) return;
    const ac = new AbortController();
    setState((s): Load<T> => (s.data === null ? { status: "loading", data: null, error: null } : s));
    fetcherRef.current(ac.signal).then(
      (data) => {
        if (ac.signal.aborted) return;
        setState((s): Load<T> => {
          const merge = keepRef.current;
          return {
            status: "ok",
            data: s.data === null || merge === undefined ? data : merge(data, s.data),
            error: null,
          };
        });
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
    setState((s): Load<T> => {
      if (s.data === null) return s;
      const data = update(s.data);
      return s.status === "error" ? { ...s, data } : { status: "ok", data, error: null };
    });
  }, []);
  return { state, reload, set };
}
