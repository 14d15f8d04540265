import type { Config } from "./config.ts";
import type { AgentLinks } from "./ingest/agent-links.ts";
import type { IngestCounters } from "./ingest/counters.ts";
import type { LatestSamples } from "./ingest/latest-samples.ts";
import type { StorageHealth } from "./ingest/storage-health.ts";
import type { LiveHub } from "./live/hub.ts";
import type { Store } from "./store/store.ts";

/** What route handlers (both halves of the API) are given; built once in server.ts. */
export interface AppContext {
  config: Config;
  store: Store;
  /** Connected agents; `agents.send(hostId, command)` runs a container action. */
  agents: AgentLinks;
  /** Browser sockets; `hub.closeUser(userId, reason)` ends a user's live views. */
  hub: LiveHub;
  latest: LatestSamples;
  counters: IngestCounters;
  /** Whether telemetry writes are succeeding (a full disk makes them fail). */
  storage: StorageHealth;
  /** When the server started, on the monotonic clock (performance.now()), so uptime survives a clock step. */
  startedAt: number;
}
