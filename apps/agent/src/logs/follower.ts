import { type LogDrop, type LogLine, type LogStream, Rfc3339Nano } from "@crowsnest/protocol/agent";
import type { EngineContainerReads, LogConfig, LogsOptions } from "../docker/engine.ts";
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
  engine: Pick<EngineContainerReads, "logs" | "logConfig">;
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

/** The least time between the starts of two snapshots of a rotating log (see followRotatingLog). */
export const SNAPSHOT_INTERVAL_MS = 1_000;

/** What a follower carries from one stream to the next. */
interface FollowState {
  behind: boolean;
  /** Docker time (ms) of the last line handed over; 0 before the first. */
  lastRead: number;
  /** Docker timestamp of the last line the latest snapshot returned, handed over or replayed; null if none. */
  lastSeen: string | null;
}

/** How one stream is read: a follow stream or a snapshot, and whether its end completes the log. */
interface StreamRead {
  follow: boolean;
  /** The stream's end is the end of the log (the container stopped): an unterminated last line is complete. */
  final: boolean;
  tail: number | undefined;
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
 * A log whose files Docker rotates is read by snapshots instead (see followRotatingLog).
 */
export async function followLogs(options: FollowOptions, signal: AbortSignal): Promise<void> {
  const tracker = new ResumeTracker(options.start);
  const state: FollowState = { behind: false, lastRead: 0, lastSeen: null };
  const tail = tracker.since > 0 ? undefined : options.tail;
  if (logRotates(await options.engine.logConfig(options.containerId))) {
    await followRotatingLog(options, tracker, tail, state, signal);
  } else {
    await followStream(options, tracker, tail, state, signal);
  }
}

/**
 * Whether Docker rotates the log's files, which its follow streams do not survive (see
 * followRotatingLog): the `local` driver always does, `json-file` when `max-size` sets a limit.
 */
export function logRotates(config: LogConfig): boolean {
  if (config.driver === "local") return true;
  const maxSize = config.options["max-size"];
  return config.driver === "json-file" && maxSize !== undefined && maxSize !== "" && maxSize !== "-1";
}

/** A log Docker does not rotate is read from one follow stream, reopened after each pause for tokens. */
async function followStream(
  options: FollowOptions,
  tracker: ResumeTracker,
  tail: number | undefined,
  state: FollowState,
  signal: AbortSignal,
): Promise<void> {
  let read: StreamRead = { follow: true, final: true, tail };
  while (await readUntilThrottled(options, tracker, read, state, signal)) {
    read = { ...read, tail: undefined };
    await waitForTokens(options, state, signal);
    if (signal.aborted) return;
  }
  if (state.behind) options.sink.lag(options.containerId, 0);
}

/**
 * A rotating log is read by snapshots (requests without `follow`), never from a follow stream.
 * Docker 20.10 follows a rotating json-file or local log unreliably: a reader that falls more than
 * one rotation behind the writer reopens the newest file and silently skips the files between, and
 * after each switch its check for a truncated single file takes the new, smaller file for one and
 * reads it again from its start, so lines come twice. A snapshot opens every file Docker holds at
 * once, so it is whole and in order; where it no longer reaches back to the resume position Docker
 * rotated lines away, and the tracker reports them as a drop.
 *
 * Between snapshots a follow stream only waits for the container's next line (waitForNextLine).
 * Snapshots start at least SNAPSHOT_INTERVAL_MS apart, so a busy container costs Docker one reading
 * of its files a second, whatever its pace; Docker holds at most max-size × max-file of them.
 */
async function followRotatingLog(
  options: FollowOptions,
  tracker: ResumeTracker,
  tail: number | undefined,
  state: FollowState,
  signal: AbortSignal,
): Promise<void> {
  let stopped = false;
  let previous = Number.NEGATIVE_INFINITY;
  let read: StreamRead = { follow: false, final: false, tail };
  for (;;) {
    await sleep(Math.max(0, previous + SNAPSHOT_INTERVAL_MS - Date.now()), signal);
    if (signal.aborted) return;
    previous = Date.now();
    state.lastSeen = null;
    const throttled = await readUntilThrottled(options, tracker, read, state, signal);
    read = { ...read, tail: undefined };
    if (throttled) {
      await waitForTokens(options, state, signal);
      if (signal.aborted) return;
      continue;
    }
    if (state.behind) {
      state.behind = false;
      options.sink.lag(options.containerId, 0);
    }
    if (stopped) return;
    stopped = !(await waitForNextLine(options, tracker, state, signal));
    // What the container writes within a second of waking the follower is read in one snapshot.
    previous = Date.now();
    read = { ...read, final: stopped };
    tracker.reopen();
  }
}

/** Reports the lag and waits until the container's bucket is full again. */
async function waitForTokens(options: FollowOptions, state: FollowState, signal: AbortSignal): Promise<void> {
  state.behind = true;
  options.sink.lag(options.containerId, Math.max(0, Date.now() - state.lastRead));
  await sleep(options.limiter.msUntilFull(Date.now()), signal);
}

/**
 * Waits on a follow stream until the container writes after the last snapshot; false when Docker
 * ends the stream first (the container stopped). The stream begins with the newest line Docker
 * holds (`tail=1`): when that is the last line the snapshot returned, the next line is the one the
 * container wrote right after it, read from the file the snapshot ended in, and it is handed over
 * at once, so a burst that rotates its first lines away is still seen from its start. Any other
 * line only wakes the follower: the next snapshot reads it.
 */
async function waitForNextLine(
  options: FollowOptions,
  tracker: ResumeTracker,
  state: FollowState,
  signal: AbortSignal,
): Promise<boolean> {
  const { containerId, limiter, sink } = options;
  const query: LogsOptions = { follow: true, timestamps: true };
  // The snapshot returned no line: with no line ever handled the log was empty, so the first line
  // it holds now is the next one; with handled lines gone from it, any line only wakes the follower.
  if (state.lastSeen !== null) query.tail = 1;
  else if (tracker.since > 0) query.since = tracker.since;
  let awaitingTail = state.lastSeen !== null;
  let contiguous = tracker.since === 0 || state.lastSeen !== null;
  return !(await readLines(options, query, false, signal, (logStream, assembled) => {
    assertDockerTs(assembled.ts);
    if (awaitingTail) {
      awaitingTail = false;
      contiguous = assembled.ts === state.lastSeen;
      if (contiguous) return false;
    }
    if (contiguous && limiter.tryTake(Date.now())) {
      state.lastRead = Date.parse(assembled.ts);
      tracker.recordNext(assembled.ts);
      sink.line({ containerId, stream: logStream, ...assembled }, tracker.point);
    }
    return true;
  }));
}

/** One stream from the tracker's position: true when it stopped for want of tokens, false when Docker ended it. */
async function readUntilThrottled(
  options: FollowOptions,
  tracker: ResumeTracker,
  read: StreamRead,
  state: FollowState,
  signal: AbortSignal,
): Promise<boolean> {
  const { containerId, sink, limiter, log } = options;
  const query: LogsOptions = { follow: read.follow, timestamps: true };
  if (tracker.since > 0) query.since = tracker.since;
  else if (read.tail !== undefined) query.tail = read.tail;

  let throttled = false;
  const caughtUp = state.behind
    ? setTimeout(() => {
        state.behind = false;
        sink.lag(containerId, 0);
      }, CAUGHT_UP_MS)
    : null;
  try {
    await readLines(options, query, read.final, signal, (logStream, assembled) => {
      assertDockerTs(assembled.ts);
      state.lastSeen = assembled.ts;
      const kind = tracker.classify(assembled.ts);
      if (kind === "replayed") return false;
      if (!limiter.tryTake(Date.now())) {
        throttled = true;
        tracker.stoppedBefore(assembled.ts);
        return true;
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
      return false;
    });
  } finally {
    if (caughtUp !== null) clearTimeout(caughtUp);
  }
  return throttled;
}

/**
 * Reads one logs stream and hands over its complete lines until `onLine` answers true (enough)
 * or Docker ends the stream. Resolves true when Docker ended it, false when `onLine` stopped it;
 * the lines still buffered then are not handed over, and the response is closed.
 * final: the stream's end completes an unterminated last line (the container stopped).
 */
async function readLines(
  options: FollowOptions,
  query: LogsOptions,
  final: boolean,
  signal: AbortSignal,
  onLine: (logStream: LogStream, line: AssembledLine) => boolean,
): Promise<boolean> {
  const { engine, containerId, tty, log } = options;
  let enough = false;
  const handler = (logStream: LogStream) => (assembled: AssembledLine) => {
    if (!enough) enough = onLine(logStream, assembled);
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

  const response = await engine.logs(containerId, query, signal);
  // Leaving the loop early closes the response (the iterator's return), with no abort error to handle.
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (demuxer) demuxer.push(chunk);
    else stdout.push(chunk);
    if (enough) return false;
  }
  if (final) {
    stdout.end();
    stderr.end();
  }
  return true;
}

/** Every line of a `timestamps=1` stream starts with its Docker timestamp; anything else is not a log stream. */
function assertDockerTs(ts: string): void {
  if (!Rfc3339Nano.safeParse(ts).success) {
    throw new Error(`log line without a Docker timestamp: ${JSON.stringify(ts)}`);
  }
}
