import type { LogLine, MetricSample } from "@crowsnest/protocol";
import { tsToNs } from "./log-time.ts";
import { placeSamples } from "./server-time.ts";

const DAY_MS = 86_400_000;
const NS_PER_MS = 1_000_000n;

/** How far after its write's arrival a sample or log line may lie: further, its agent's clock is broken. */
export const FUTURE_MS = DAY_MS;

/** `keepMs` when the caller gives no retention: the longest of the server's defaults (1-minute rollups, config.ts). */
export const DEFAULT_KEEP_MS = 30 * DAY_MS;

/** The retention settings the accepted window depends on, in ms (the server's RetentionConfig has them; see keepMsOf). */
export interface KeptRetention {
  rawMetricsMs: number;
  rollupMetricsMs: number;
  logsMs: number;
}

/** The longest time, in ms, the server keeps any telemetry: the largest of the three retentions. */
export function keepMsOf(retention: KeptRetention): number {
  return Math.max(retention.rawMetricsMs, retention.rollupMetricsMs, retention.logsMs);
}

/** Rows of a batch left out because their time lay outside the window. */
export interface OutsideWindow {
  samples: number;
  lines: number;
}

/**
 * The times a write's samples and log lines must lie in to be stored: from `at − keepMs` to
 * `at + FUTURE_MS` inclusive, `at` being the write's arrival (TelemetryWrite.at, epoch ms). An
 * older row would be deleted by the next retention pass anyway; a later one comes from a broken
 * clock. Bounding the times also bounds what a backend makes for them (PostgreSQL's day
 * partitions: at most keepMs in days + 2 per table), whatever times an agent sends. Both
 * backends' writers apply it to a batch after its digest is taken, so that a resend of the whole
 * message is still recognised as a duplicate.
 */
export class TimeWindow {
  /** The longest retention, ms (keepMsOf); positive. */
  readonly keepMs: number;

  constructor(keepMs: number) {
    this.keepMs = keepMs;
  }

  /**
   * The samples put on the server's time line (placeSamples: `t − clockOffsetMs`) whose time lies
   * in the window of `at`, in their order, and how many were left out.
   */
  samples(
    samples: readonly MetricSample[],
    clockOffsetMs: number,
    at: number,
  ): { inside: readonly MetricSample[]; outside: number } {
    const placed = placeSamples(samples, clockOffsetMs);
    const inside = placed.filter((s) => s.t >= at - this.keepMs && s.t <= at + FUTURE_MS);
    return { inside, outside: placed.length - inside.length };
  }

  /**
   * The lines whose time lies in the window of `at`, in their order, and how many were left out.
   * Both times of a line must: the server's (Docker's shifted by `−clockOffsetMs`, what readers
   * see) and Docker's own, which a backend stores, partitions and expires by; `clockOffsetMs`
   * comes from the agent's own readings, so a shift alone would let it place Docker's time anywhere.
   */
  lines(
    lines: readonly LogLine[],
    clockOffsetMs: number,
    at: number,
  ): { inside: readonly LogLine[]; outside: number } {
    const inWindow = (ms: number) => ms >= at - this.keepMs && ms <= at + FUTURE_MS;
    const inside = lines.filter((line) => {
      // Whole ms (toward zero) are precise enough for a window of days.
      const ms = Number(tsToNs(line.ts) / NS_PER_MS);
      return inWindow(ms) && inWindow(ms - clockOffsetMs);
    });
    return { inside, outside: lines.length - inside.length };
  }
}

/** Rows left out by the window per host id since a writer started (a TelemetryWriter's `outsideWindow`). */
export class OutsideWindowTally {
  readonly #byHost = new Map<string, OutsideWindow>();

  /** Adds a host's rows left out (either count may be 0). */
  add(hostId: string, counts: OutsideWindow): void {
    if (counts.samples === 0 && counts.lines === 0) return;
    const total = this.#byHost.get(hostId) ?? { samples: 0, lines: 0 };
    this.#byHost.set(hostId, { samples: total.samples + counts.samples, lines: total.lines + counts.lines });
  }

  /** Adds every host's counts of another tally's `byHost`. */
  merge(byHost: Readonly<Record<string, OutsideWindow>>): void {
    for (const [hostId, counts] of Object.entries(byHost)) this.add(hostId, counts);
  }

  /** A copy of the counts, per host id; hosts with none left out are absent. */
  byHost(): Record<string, OutsideWindow> {
    return Object.fromEntries([...this.#byHost].map(([hostId, c]) => [hostId, { ...c }]));
  }
}
