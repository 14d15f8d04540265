import { FLOOD_LINES_PER_SECOND, FLOOD_SECONDS, type LogFloodRun } from "../suites/log-flood.ts";
import { num, table } from "./format.ts";

/** Figure 6: every run of the log flood, lines written vs stored and the catch-up time. */
export function logFloodSection(runs: readonly LogFloodRun[]): string[] {
  return [
    "## 6. Log flood: read more slowly, caught up, nothing dropped",
    "",
    `A container writes ${FLOOD_LINES_PER_SECOND.toLocaleString("en")} lines/s for ${FLOOD_SECONDS} s; the agent runs`,
    "with its default per-container rate (`CROWSNEST_LOG_RATE`, 1,000 lines/s), so it reads the flood",
    "from Docker's log file at that rate and catches up. _catch-up_: from the container's last line",
    "(its Docker timestamp) until the server had stored it, polled every 2 s over the REST API.",
    "",
    table(
      ["run", "written (`docker logs`)", "stored", "equal to `docker logs`", "catch-up"],
      runs.map((r) => [
        String(r.run),
        r.written.toLocaleString("en"),
        r.stored.toLocaleString("en"),
        r.equal ? "yes" : "no",
        `${num(r.catchUpSeconds, 0)} s`,
      ]),
    ),
    "",
  ];
}
