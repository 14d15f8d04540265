import { type LogDrop, type LogLine, type LogStream, Rfc3339Nano } from "@crowsnest/protocol";
import type { EngineContainerReads, LogsOptions } from "../docker/engine.ts";
import type { Logger } from "../logger.ts";
import { sleep } from "../sleep.ts";
import { Demuxer } from "./demux.ts";
import { type AssembledLine, LineAssembler } from "./line-assembler.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { type ResumePoint, ResumeTracker } from "./resume.ts";

/** Where a follower hands its lines; each comes with the resume position just after it. */
export interface LogSink {
  line(line: LogLine, position: ResumePoint): void;
  /** Lines Docker no longer held when the agent came to read them (`reason: "rotated"`). */
  dropped(drop: LogDrop, position: ResumePoint): void;
  /** How far the agent reads behind the container's writing (see LogLag): ms, 0 once caught up. */
  lag(containerId: string, behindMs: number): void;
}

export interface FollowOptions {
  engine: Pick<EngineContainerReads, "logs">;
  containerId: string;
  tty: boolean;
  /** null: never followed before. */
  start: ResumePoint | null;
  /** Only with no start position: how many past lines to read first (undefined: all of them). */
  tail: number | undefined;
  limiter: RateLimiter;
  sink: LogSink;
  log: Logger;
}

/**
 * A follower that was behind and read this long without running out of tokens has caught up:
 * within it the bucket allowed twice its rate, far below the pace Docker replays a backlog at,
 * so what it read was the container's live pace.
 */
export const CAUGHT_UP_MS = 1_000;

/** What a follower carries from one stream to the next. */
interface FollowState {
  behind: boolean;
  /** Docker time (ms) of the last line handed over; 0 before the first. */
  lastRead: number;
}

/**
 * Follows one container's log from its resume position until Docker ends the stream
 * (the container stopped) or the signal aborts. Lines are handed over in Docker's order.
 *
 * Backpressure: each line takes a token of the container's rate limiter. With none left the
 * follower closes the stream, so Docker keeps the unread lines in its log file and nothing is
 * held open meanwhile, waits until the bucket is full again, and follows again from its resume
 * point; while it does, it reports its lag (now minus the Docker time of the last line read).
 * A reopened stream that no longer starts where it should tells that Docker rotated lines away
 * in between: they are reported as a drop (see ResumeTracker.classify), never silently skipped.
 */
export async function followLogs(options: FollowOptions, signal: AbortSignal): Promise<void> {
  const { containerId, limiter, sink } = options;
  const tracker = new ResumeTracker(options.start);
  const state: FollowState = { behind: false, lastRead: 0 };
  let tail = tracker.since > 0 ? undefined : options.tail;
  while (await readUntilThrottled(options, tracker, tail, state, signal)) {
    tail = undefined;
    state.behind = true;
    sink.lag(containerId, Math.max(0, Date.now() - state.lastRead));
    await sleep(limiter.msUntilFull(Date.now()), signal);
    if (signal.aborted) return;
  }
  if (state.behind) sink.lag(containerId, 0);
}

/** One stream from the tracker's position: true when it stopped for want of tokens, false when Docker ended it. */
async function readUntilThrottled(
  options: FollowOptions,
  tracker: ResumeTracker,
  tail: number | undefined,
  state: FollowState,
  signal: AbortSignal,
): Promise<boolean> {
  const { engine, containerId, tty, sink, limiter, log } = options;
  const query: LogsOptions = { follow: true, timestamps: true };
  if (tracker.since > 0) query.since = tracker.since;
  else if (tail !== undefined) query.tail = tail;

  const stream = new AbortController();
  const abort = () => stream.abort();
  signal.addEventListener("abort", abort, { once: true });
  let throttled = false;
  const caughtUp = state.behind
    ? setTimeout(() => {
        state.behind = false;
        sink.lag(containerId, 0);
      }, CAUGHT_UP_MS)
    : null;

  const handler = (logStream: LogStream) => (assembled: AssembledLine) => {
    if (throttled) return;
    if (!Rfc3339Nano.safeParse(assembled.ts).success) {
      throw new Error(`log line without a Docker timestamp: ${JSON.stringify(assembled.ts)}`);
    }
    const kind = tracker.classify(assembled.ts);
    if (kind === "replayed") return;
    if (!limiter.tryTake(Date.now())) {
      throttled = true;
      tracker.stoppedBefore(assembled.ts);
      stream.abort();
      return;
    }
    const readAt = Date.parse(assembled.ts);
    state.lastRead = readAt;
    if (kind === "new_after_loss") {
      const from = Math.min(Date.parse(tracker.gapStart), readAt);
      log.warn("log lines were rotated out of Docker's log file before they were read", {
        from: tracker.gapStart,
        to: assembled.ts,
      });
      sink.dropped({ containerId, count: null, from, to: readAt, reason: "rotated" }, tracker.point);
    }
    tracker.record(assembled.ts);
    sink.line({ containerId, stream: logStream, ...assembled }, tracker.point);
  };
  const stdout = new LineAssembler(handler("stdout"), tty);
  const stderr = new LineAssembler(handler("stderr"), false);
  const demuxer = tty
    ? null
    : new Demuxer((frameStream, payload, frameEnd) => {
        if (frameStream === "stdout") stdout.push(payload, frameEnd);
        else if (frameStream === "stderr") stderr.push(payload, frameEnd);
        else log.warn("Docker reported an error in the log stream", { text: payload.toString("utf8") });
      });

  try {
    const response = await engine.logs(containerId, query, stream.signal);
    for await (const chunk of response as AsyncIterable<Buffer>) {
      if (demuxer) demuxer.push(chunk);
      else stdout.push(chunk);
    }
    // Docker ended the stream: the container stopped, so an unterminated last line is complete.
    stdout.end();
    stderr.end();
  } catch (err) {
    if (signal.aborted || !throttled) throw err;
  } finally {
    if (caughtUp !== null) clearTimeout(caughtUp);
    signal.removeEventListener("abort", abort);
  }
  return throttled;
}
