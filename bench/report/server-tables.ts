import { HOLD_MS, type IngestRun } from "../suites/ingest.ts";
import { INGEST_PNGS, LATENCY_PNG } from "./charts.ts";
import { cell, num, table } from "./format.ts";
import type { BenchResults } from "./results.ts";
import { fanOutSummaries, ingestHoldSummaries, ingestSummaries, liveTailSummaries } from "./summaries.ts";

/** Figures 3 to 5 of BENCHMARKS.md: ingest, live tail latency and fan-out of crowsnest-server. */
export function serverSections(results: BenchResults, pngDir: string): string[] {
  const lines: string[] = [];
  if (results.ingest) {
    lines.push(
      "## 3. Ingest per server core",
      "",
      "20 simulated agents (protocol level, 600 containers each) offer rows to a real crowsnest-server",
      "(SQLite store) in 10 batches/s each, the rate rising ×1.5 per stage; _sustained_ is the highest",
      "stage with every row acked (acked = stored), no agent held back, and ack p99 < 250 ms. _per core_",
      "= sustained rate ÷ the fraction of a core the server used at it. Disk = growth of the data",
      "directory (database + WAL) per million rows stored. When the server is far from a full core at",
      "its sustained rate, the limit was latency (ack p99), not CPU, and _per core_ is an extrapolation.",
      "The climb continues past a p99 miss while nothing is lost (a scheduling stall on a loaded",
      "machine can break the p99 at any rate), up to the first loss or a p99 over 2 s: the highest",
      "loss-free rate and its ack p99 show the throughput the store keeps up with.",
      "",
      "Measured during every stage, beside the load: `/api/health` asked one request after another and",
      "a ping answered by a pong on a signed-in `/ws/live` socket (each 10 ms after the last answer;",
      "p99 at the highest loss-free stage), the longest gap between two heartbeat pings the server sent",
      "one agent (every 1 s in this suite; a gap over 1.5 s is a missed heartbeat) and the server's",
      "peak resident memory, both over the stages up to the highest loss-free one.",
      "",
      table(
        [
          "rows",
          "runs",
          "sustained rows/s",
          "server CPU % at it",
          "rows/s per core",
          "first stage failed on (each run)",
          "highest loss-free rows/s",
          "ack p99 ms there",
          "disk MiB per million rows",
          "/api/health p99 ms",
          "/ws/live p99 ms",
          "heartbeat gap max ms",
          "missed heartbeats",
          "peak RSS MiB",
        ],
        ingestSummaries(results.ingest).map((s) => [
          s.kind === "metrics" ? "metric samples" : "log lines",
          String(s.runs),
          cell(s.sustainedPerSecond, 0),
          cell(s.serverCpuPercent, 0),
          cell(s.perCore, 0),
          s.limitedBy.join("; "),
          cell(s.lossFreePerSecond, 0),
          cell(s.ackP99MsAtLossFree, 0),
          cell(s.mibPerMillion),
          cell(s.healthP99Ms),
          cell(s.livePingP99Ms),
          cell(s.maxHeartbeatGapMs, 0),
          String(s.missedHeartbeats),
          cell(s.peakRssMiB, 0),
        ]),
      ),
      "",
      ...holdsTable(results.ingest),
      ...Object.values(INGEST_PNGS).map((file) => `![ingest](${pngDir}/${file})\n`),
    );
  }
  if (results.liveTail) {
    lines.push(
      "## 4. Live tail latency, container → browser socket",
      "",
      "A busybox container writes lines at the rate shown; a real agent (cgroup path, 1 s) and a real",
      "server relay them to 1 or 10 WebSocket clients on `/ws/live`. Line latency = arrival minus Docker's",
      "timestamp of the line; sample latency = arrival minus the sample's reading time. The agent's",
      "outbox sends at once when no batch is in flight and otherwise gathers items until the ack (at",
      "most 250 ms); the server relays a batch once it is validated, before storing it (the ack waits",
      "for the store). _/api/health p99_: its answer time, asked one request at a time throughout the",
      "window, as a measure of how long ingest holds up the server's event loop.",
      "",
      table(
        [
          "lines/s asked",
          "lines/s written",
          "viewers",
          "lines timed",
          "line p50 ms",
          "line p99 ms",
          "samples timed",
          "sample p50 ms",
          "sample p99 ms",
          "/api/health p99 ms",
        ],
        liveTailSummaries(results.liveTail).map((s) => [
          String(s.linesPerSecond),
          cell(s.measuredLinesPerSecond, 0),
          String(s.viewers),
          String(s.lines),
          cell(s.lineP50Ms, 0),
          cell(s.lineP99Ms, 0),
          String(s.samples),
          cell(s.sampleP50Ms, 0),
          cell(s.sampleP99Ms, 0),
          s.healthP99Ms === null ? "–" : cell(s.healthP99Ms, 1),
        ]),
      ),
      "",
      `![latency distributions](${pngDir}/${LATENCY_PNG})`,
      "",
    );
  }
  if (results.fanOut) {
    lines.push(
      "## 5. Fan-out",
      "",
      "One simulated agent sends one container's metrics (10 samples/s) and logs (100 lines/s in 10",
      "batches) to a real server; N WebSocket clients subscribe to that container. Memory per socket =",
      "(server peak RSS while delivering − RSS before any socket connected) ÷ N. The sockets are",
      "clients in the harness process on the same two cores; when it falls short of full delivery, the",
      "client column shows whether the harness itself was the bottleneck (near 100 %).",
      "",
      table(
        [
          "subscribers",
          "messages/s full delivery",
          "messages/s delivered",
          "server CPU %",
          "client (harness) CPU %",
          "messages per core-second",
          "server KiB per socket",
        ],
        fanOutSummaries(results.fanOut).map((s) => [
          String(s.subscribers),
          num(s.expectedPerSecond, 0),
          cell(s.messagesPerSecond, 0),
          cell(s.serverCpuPercent, 0),
          cell(s.clientCpuPercent, 0),
          cell(s.messagesPerCoreSecond, 0),
          cell(s.rssPerSubscriberKiB, 0),
        ]),
      ),
      "",
    );
  }
  return lines;
}

/** Figure 3's holds, HOLD_MS each: at the sustained rate after the climb, and at the target rate on a fresh server. */
function holdsTable(runs: IngestRun[]): string[] {
  const holds = ingestHoldSummaries(runs);
  if (holds.length === 0) return [];
  return [
    `Each run then holds a rate for ${HOLD_MS / 1000} s, from a minute's start until that minute is packed`,
    "(the store's deferred work): the sustained rate (else the highest loss-free one) right after the",
    "climb, on the same server; then issue 13's targets (100,000 samples/s, 50,000 lines/s) on a fresh",
    "server that never went past them. The climb's overloaded top leaves the server's heap grown, and V8",
    "keeps what its old generation took, so the first hold's peak RSS is that of a server once",
    "overloaded. _unacked_: summed over the runs.",
    "",
    table(
      [
        "rows",
        "held at",
        "runs",
        "offered /s",
        "acked /s",
        "unacked",
        "ack p99 ms",
        "server CPU %",
        "/api/health p99 ms",
        "/ws/live p99 ms",
        "heartbeat gap max ms",
        "peak RSS MiB",
      ],
      holds.map((h) => [
        h.kind === "metrics" ? "metric samples" : "log lines",
        h.hold === "sustained" ? "the sustained rate, after the climb" : "the target, fresh server",
        String(h.runs),
        cell(h.offeredPerSecond, 0),
        cell(h.ackedPerSecond, 0),
        String(h.lost),
        cell(h.ackP99Ms, 0),
        cell(h.serverCpuPercent, 0),
        cell(h.healthP99Ms),
        cell(h.livePingP99Ms),
        cell(h.maxHeartbeatGapMs, 0),
        cell(h.peakRssMiB, 0),
      ]),
    ),
    "",
  ];
}
