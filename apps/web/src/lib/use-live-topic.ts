"use client";
import { type LiveMessage, type Topic, topicKey } from "@crowsnest/protocol";
import { useEffect, useRef } from "react";
import { useSession } from "../components/session.tsx";

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
