"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo, useRef } from "react";

/** Typed URL state: reads search params with defaults, writes with router.replace (no history spam). */
export function useUrlState<K extends string>(
  defaults: Record<K, string>,
): [Record<K, string>, (patch: Partial<Record<K, string>>) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const paramString = params.toString();
  const defaultsRef = useRef(defaults);
  // One object per URL, so that what is computed from it is recomputed only when the URL changes.
  const values = useMemo(() => {
    const current = new URLSearchParams(paramString);
    const out = {} as Record<K, string>;
    for (const k of Object.keys(defaultsRef.current) as K[])
      out[k] = current.get(k) ?? defaultsRef.current[k];
    return out;
  }, [paramString]);
  // router.replace lands a render later: a second change made before then (a debounced search
  // committing just as a sort is clicked) must start from the first one, or it would undo it.
  const pendingRef = useRef<{ latest: string; requested: Set<string> } | null>(null);
  const pending = pendingRef.current;
  if (pending !== null && (pending.latest === paramString || !pending.requested.has(paramString))) {
    pendingRef.current = null; // ours landed, or the user navigated elsewhere
  }
  const set = useCallback(
    (patch: Partial<Record<K, string>>) => {
      const next = new URLSearchParams(pendingRef.current?.latest ?? paramString);
      for (const [k, v] of Object.entries(patch) as [K, string | undefined][]) {
        if (v === undefined || v === defaultsRef.current[k]) next.delete(k);
        else next.set(k, v);
      }
      const qs = next.toString();
      const requested = pendingRef.current?.requested ?? new Set([paramString]);
      requested.add(qs);
      pendingRef.current = { latest: qs, requested };
      router.replace(qs === "" ? pathname : `${pathname}?${qs}`, { scroll: false });
    },
    [paramString, pathname, router],
  );
  return [values, set];
}
