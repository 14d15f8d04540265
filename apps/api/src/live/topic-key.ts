import type { Topic } from "@crowsnest/protocol";

/** A string naming a topic, for the per-socket subscription set. */
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
