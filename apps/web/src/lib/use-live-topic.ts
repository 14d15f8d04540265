"use client";
import { type LiveMessage, type Topic, topicKey } from "@crowsnest/protocol";
import { useEffect, useRef } from "react";
import { useSession } from "../components/session.tsx";

/**
 * Subscribes to a live topic for as long as the component is mounted (and the topic unchanged).
 * `reads`: the reads (useRead) that the topic's messages keep up to date, read again each time the
 * server confirms the subscription (`subscribed`, also after every reconnect): what changed before
 * it took effect, after they were first read or while the socket was down, comes in no message.
 */
export function useLiveTopic(
  topic: Topic | null,
  listener: (message: LiveMessage) => void,
  reads: readonly { reload: () => void }[] = [],
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
    return live.subscribe(topic, (m) => {
      if (m.type === "subscribed") for (const read of readsRef.current) read.reload();
      ref.current(m);
    });
  }, [key, live]);
}
