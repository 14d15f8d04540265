"use client";
import { useEffect, useRef, useState } from "react";

/**
 * A text box's own value, committed (to the URL, a query) once typing pauses: the box answers
 * every keystroke while the commit, which may refetch or re-render a page, runs once.
 */
export function useDebouncedText(
  committed: string,
  commit: (value: string) => void,
  delayMs = 300,
): [string, (value: string) => void] {
  const [text, setText] = useState(committed);
  const commitRef = useRef(commit);
  commitRef.current = commit;
  /** What this box last committed: its echo must not overwrite keys typed since. */
  const sent = useRef(committed);
  // A change from outside (back button, a link) replaces what the box holds.
  useEffect(() => {
    if (committed !== sent.current) setText(committed);
    sent.current = committed;
  }, [committed]);
  useEffect(() => {
    if (text === committed) return;
    const timer = setTimeout(() => {
      sent.current = text;
      commitRef.current(text);
    }, delayMs);
    return () => clearTimeout(timer);
  }, [text, committed, delayMs]);
  return [text, setText];
}
