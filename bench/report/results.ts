import type { ClusterRun } from "../suites/cluster.ts";
import type { FanOutRun } from "../suites/fan-out.ts";
import type { HostCostRow } from "../suites/host-cost.ts";
import type { IngestRun } from "../suites/ingest.ts";
import type { LiveTailRun } from "../suites/live-tail.ts";
import type { LogFloodRun } from "../suites/log-flood.ts";
import type { StorageRun } from "../suites/storage.ts";
import type { StorageSearchRun } from "../suites/storage-search.ts";
import type { Machine } from "../support/machine.ts";
import type { BenchOptions } from "../support/options.ts";

/** Everything one harness run measured: written raw to bench/results/, the source of BENCHMARKS.md. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  command: string;
  options: BenchOptions;
  machine: Machine;
  /** Suites that threw (a dockerd restarted by another suite on a shared machine, say). */
  failures: string[];
  hostCost?: HostCostRow[];
  ingest?: IngestRun[];
  liveTail?: LiveTailRun[];
  fanOut?: FanOutRun[];
  logFlood?: LogFloodRun[];
  storage?: StorageRun[];
  storageSearch?: StorageSearchRun[];
  cluster?: ClusterRun[];
}
