"use client";
import { type LiveMessage, type Topic, topicKey } from "@crowsnest/protocol";
import { useEffect, useRef } from "react";
import { useSession } from "../components/session.tsx";
import type { LiveResync } from "./use-read.ts";

/**
 * Subscribes to a live topic for as long as the component is mounted (and the topic unchanged).
 * `reads`: the reads (useRead) that the topic's messages keep up to date, resynchronised with
 * each subscription (LiveResync: read again once it takes effect, at first and after every
 * reconnect, with the updates made meanwhile applied to what that read returns).
 */
export function useLiveTopic(
  topic: Topic | null,
  listener: (message: LiveMessage) => void,
  reads: readonly { resync: LiveResync }[] = [],
): void {
  const { live } = useSession();
  const ref = useRef(listener);
  ref.current = listener;
  const readsRef = useRef(reads);
  readsRef.current = reads;
  const key = topic ? topicKey(topic) : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the topic is identified by its key
  useEffect(() => {
    if (!topic || !live) return;
    return live.subscribe(
      topic,
      (m) => {
        if (m.type === "subscribed") for (const read of readsRef.current) read.resync.subscribed();
        ref.current(m);
      },
      () => {
        for (const read of readsRef.current) read.resync.subscribing();
      },
    );
  }, [key, live]);
}
