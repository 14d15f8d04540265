import { type LogLine, type LogStream, Rfc3339Nano } from "@crowsnest/protocol";
import type { DockerClient, Query } from "../docker/client.ts";
import type { Logger } from "../logger.ts";
import { Demuxer } from "./demux.ts";
import { type AssembledLine, LineAssembler } from "./line-assembler.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { type ResumePoint, ResumeTracker } from "./resume.ts";

/** Where a follower hands its lines; each comes with the resume position just after it. */
export interface LogSink {
  line(line: LogLine, position: ResumePoint): void;
  dropped(containerId: string, atMs: number, position: ResumePoint): void;
}

export interface FollowOptions {
  docker: DockerClient;
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
 * Follows one container's log from its resume position until Docker ends the stream
 * (the container stopped) or the signal aborts. Lines are handed over in Docker's order.
 */
export async function followLogs(options: FollowOptions, signal: AbortSignal): Promise<void> {
  const { docker, containerId, tty, sink, limiter, log } = options;
  const tracker = new ResumeTracker(options.start);
  const query: Query = { follow: 1, stdout: 1, stderr: 1, timestamps: 1 };
  if (tracker.since > 0) query.since = tracker.since;
  else if (options.tail !== undefined) query.tail = options.tail;

  const handler = (stream: LogStream) => (assembled: AssembledLine) => {
    if (!Rfc3339Nano.safeParse(assembled.ts).success) {
      throw new Error(`log line without a Docker timestamp: ${JSON.stringify(assembled.ts)}`);
    }
    if (!tracker.accept(assembled.ts)) return;
    const writtenAt = Date.parse(assembled.ts);
    if (limiter.tryTake(writtenAt)) {
      sink.line({ containerId, stream, ...assembled }, tracker.point);
    } else {
      sink.dropped(containerId, writtenAt, tracker.point);
    }
  };
  const stdout = new LineAssembler(handler("stdout"), tty);
  const stderr = new LineAssembler(handler("stderr"), false);
  const demuxer = tty
    ? null
    : new Demuxer((stream, payload) => {
        if (stream === "stdout") stdout.push(payload);
        else if (stream === "stderr") stderr.push(payload);
        else log.warn("Docker reported an error in the log stream", { text: payload.toString("utf8") });
      });

  const response = await docker.stream(`/containers/${containerId}/logs`, query, signal);
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (demuxer) demuxer.push(chunk);
    else stdout.push(chunk);
  }
  // Docker ended the stream: the container stopped, so an unterminated last line is complete.
  stdout.end();
  stderr.end();
}
