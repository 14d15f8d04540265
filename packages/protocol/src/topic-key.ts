import type { Topic } from "./live-messages.ts";

/**
 * A string naming a live topic, equal for equal topics: the server's per-socket subscription set
 * and the dashboard's reference-counted subscriptions are keyed by it.
 */
export function topicKey(topic: Topic): string {
  switch (topic.kind) {
    case "fleet":
      return "fleet";
    case "host":
      return `host/${topic.hostId}`;
    case "container":
      return `container/${topic.hostId}/${topic.containerId}`;
  }
}
