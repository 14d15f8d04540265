import type { AuthServices } from "./auth/auth-services.ts";
import type { UserSocketCloser } from "./auth/sign-out.ts";
import type { ClusterStatus } from "./cluster/cluster.ts";
import type { Config } from "./config.ts";
import type { AgentCommandSender, AgentPresence } from "./ingest/agent-links.ts";
import type { IngestCounters } from "./ingest/counters.ts";
import type { LatestSampleReader } from "./ingest/latest-samples.ts";
import type { StorageHealth } from "./ingest/storage-health.ts";
import type { LiveStats } from "./live/hub.ts";
import type { RelayedWrites } from "./live/live-publisher.ts";
import type { Store } from "./store/store.ts";

/**
 * What route handlers are given; built once in server.ts. Process-local state (connected agents,
 * latest samples, browser sockets) is reached only through narrow interfaces, so that replicas
 * can put shared implementations behind them without touching a route.
 */
export interface AppContext {
  config: Config;
  store: Store;
  auth: AuthServices;
  /** Which hosts have an agent connected. */
  agents: AgentPresence;
  /** Runs a container action on the host's agent. */
  commands: AgentCommandSender;
  latest: LatestSampleReader;
  /** Whether what the agents sent so far is stored: a read of what a browser saw live waits for it. */
  relayed: RelayedWrites;
  /** Closes a user's live views (logout). */
  liveSockets: UserSocketCloser;
  /** The live hub's memory, for /api/health/details. */
  hub: LiveStats;
  counters: IngestCounters;
  /** Whether telemetry writes are succeeding (a full disk makes them fail). */
  storage: StorageHealth;
  /** Whether this server is one of several replicas on a NATS bus, and how that bus is doing. */
  cluster: ClusterStatus;
  /** When the server started, on the monotonic clock (performance.now()), so uptime survives a clock step. */
  startedAt: number;
}
