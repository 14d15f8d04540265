"use client";
import type { LiveMessage, Topic } from "@crowsnest/protocol";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { useSession } from "../components/session.tsx";
import { errorText } from "./api.ts";
import { topicKey } from "./live.ts";

export type Load<T> =
  | { status: "loading"; data: null; error: null }
  | { status: "ok"; data: T; error: null }
  | { status: "error"; data: T | null; error: string };

/** One read keyed by `key`; `reload` refetches, `set` lets live messages refresh the data in place. */
export function useRead<T>(
  key: string | null,
  fetcher: (signal: AbortSignal) => Promise<T>,
): { state: Load<T>; reload: () => void; set: (update: (prev: T) => T) => void } {
  const [state, setState] = useState<Load<T>>({ status: "loading", data: null, error: null });
  const [nonce, setNonce] = useState(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `nonce` is the reload trigger
  useEffect(() => {
    if (key === null) return;
    const ac = new AbortController();
    setState((s): Load<T> => (s.data === null ? { status: "loading", data: null, error: null } : s));
    fetcherRef.current(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ status: "ok", data, error: null });
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

/** Subscribes to a live topic for as long as the component is mounted (and the topic unchanged). */
export function useLiveTopic(topic: Topic | null, listener: (message: LiveMessage) => void): void {
  const { live } = useSession();
  const ref = useRef(listener);
  ref.current = listener;
  const key = topic ? topicKey(topic) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the topic is identified by its key
  useEffect(() => {
    if (!topic || !live) return;
    return live.subscribe(topic, (m) => ref.current(m));
  }, [key, live]);
}

/** Typed URL state: reads search params with defaults, writes with router.replace (no history spam). */
export function useUrlState<K extends string>(
  defaults: Record<K, string>,
): [Record<K, string>, (patch: Partial<Record<K, string>>) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const values = {} as Record<K, string>;
  for (const k of Object.keys(defaults) as K[]) values[k] = params.get(k) ?? defaults[k];
  const paramString = params.toString();
  const defaultsRef = useRef(defaults);
  const set = useCallback(
    (patch: Partial<Record<K, string>>) => {
      const next = new URLSearchParams(paramString);
      for (const [k, v] of Object.entries(patch) as [K, string | undefined][]) {
        if (v === undefined || v === defaultsRef.current[k]) next.delete(k);
        else next.set(k, v);
      }
      const qs = next.toString();
      router.replace(qs === "" ? pathname : `${pathname}?${qs}`, { scroll: false });
    },
    [paramString, pathname, router],
  );
  return [values, set];
}

/** A clock that ticks, for "x ago" texts. */
export function useNow(intervalMs = 5_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
