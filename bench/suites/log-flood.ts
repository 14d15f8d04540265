/**
 * Figure 6, log flood: a container writes numbered lines at 20,000 lines/s for 10 s, twenty
 * times the agent's default per-container rate (CROWSNEST_LOG_RATE, 1,000 lines/s). The agent
 * reads it more slowly from Docker's log file and catches up; every line must be stored. Reported:
 * lines written (`docker logs`), stored (the REST API), and the catch-up time from the container's
 * last line to the moment the server had stored it.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiClient } from "../../test/support/api-client.ts";
import { dockerLogLines } from "../../test/support/containers.ts";
import { docker } from "../../test/support/docker-cli.ts";
import { ADMIN_PASSWORD, startAgent, waitFor } from "../../test/support/processes.ts";
import { startBenchContainer } from "../support/bench-containers.ts";
import { trackChild } from "../support/cleanup.ts";
import type { BenchOptions } from "../support/options.ts";
import { startSeededServer } from "../support/seeded-server.ts";

export const FLOOD_LINES_PER_SECOND = 20_000;
export const FLOOD_SECONDS = 10;

export interface LogFloodRun {
  run: number;
  written: number;
  stored: number;
  /** Stored lines equal `docker logs`, in order. */
  equal: boolean;
  /** The container's last line written → stored on the server, seconds. */
  catchUpSeconds: number;
}

/** 2,000 lines every 100 ms for FLOOD_SECONDS, then idle. */
function floodScript(seconds: number): string {
  const burst = FLOOD_LINES_PER_SECOND / 10;
  return `i=0; n=0; while [ $n -lt ${seconds * 10} ]; do j=0; while [ $j -lt ${burst} ]; do i=$((i+1)); j=$((j+1)); echo "F $i"; done; n=$((n+1)); usleep 100000; done; exec sleep 1000000`;
}

export async function logFloodSuite(
  options: BenchOptions,
  log: (line: string) => void,
): Promise<LogFloodRun[]> {
  const seconds = options.quick ? 2 : FLOOD_SECONDS;
  const runs: LogFloodRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const seeded = await startSeededServer(1);
    const host = seeded.hosts[0] as { hostId: string; token: string };
    const agent = startAgent({
      serverUrl: seeded.server.agentUrl,
      token: host.token,
      stateDir: mkdtempSync(join(tmpdir(), "crowsnest-bench-flood-")),
    });
    const untrack = trackChild(agent.pid);
    try {
      const api = await ApiClient.login(seeded.server.baseUrl, "admin", ADMIN_PASSWORD);
      const id = await startBenchContainer(`sleep 2; ${floodScript(seconds)}`);
      const expected = seconds * FLOOD_LINES_PER_SECOND;
      const truth = await waitFor(
        "the container to write its flood",
        async () => {
          const lines = await dockerLogLines(id);
          return lines.length >= expected && lines;
        },
        (seconds + 60) * 1000,
        1_000,
      );
      const lastWritten = Date.parse((await dockerTimestampOfLast(id)) ?? "");
      const stored = await waitFor(
        () => `all ${truth.length} lines stored`,
        async () => {
          const lines = await api.allLogLines(host.hostId, id);
          return lines.length >= truth.length && lines;
        },
        (truth.length / 1_000 + 120) * 1000,
        2_000,
      );
      const storedAt = Date.now();
      const result: LogFloodRun = {
        run,
        written: truth.length,
        stored: stored.length,
        equal: stored.map((l) => l.text).join("\n") === truth.join("\n"),
        catchUpSeconds: (storedAt - lastWritten) / 1000,
      };
      log(`log-flood run ${run}: ${JSON.stringify(result)}`);
      runs.push(result);
    } finally {
      await agent.kill();
      untrack();
      await seeded.stop();
    }
  }
  return runs;
}

async function dockerTimestampOfLast(id: string): Promise<string | undefined> {
  return (await docker("logs", "--timestamps", "--tail", "1", id)).split(" ")[0];
}
