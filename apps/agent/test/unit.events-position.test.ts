import { describe, expect, it } from "vitest";
import type { DockerEventMessage } from "../src/docker/answers.ts";
import { EventsTracker } from "../src/inventory/events-position.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

function event(id: string, action: string, seconds: number, nanos = 0): DockerEventMessage {
  return {
    Type: "container",
    Action: action,
    Actor: { ID: id },
    time: seconds,
    timeNano: seconds * 1e9 + nanos,
  };
}

describe("EventsTracker", () => {
  it("skips exactly the events the same daemon replays, and takes the rest", () => {
    const first = new EventsTracker(null);
    const handled = [event(A, "create", 100), event(A, "start", 100, 5), event(B, "create", 101)];
    for (const e of handled) expect(first.accept(e)).toBe(true);
    const point = first.point;
    expect(point.since).toBe(100);

    const reopened = new EventsTracker(point);
    expect(reopened.since).toBe(100);
    for (const e of handled) expect(reopened.accept(e)).toBe(false);
    expect(reopened.accept(event(B, "start", 101, 7))).toBe(true);
  });

  it("takes every event of a restarted daemon, which replays nothing", () => {
    const before = new EventsTracker(null);
    for (let i = 0; i < 6; i++) before.accept(event(A, "exec_start: sh", 100, i));
    const restarted = new EventsTracker(before.point);
    const fresh = [event(B, "create", 130), event(B, "attach", 130, 1), event(B, "start", 130, 2)];
    for (const e of fresh) expect(restarted.accept(e)).toBe(true);
  });

  it("keeps only the events inside the replay window", () => {
    const tracker = new EventsTracker(null);
    tracker.accept(event(A, "create", 100));
    tracker.accept(event(A, "start", 105));
    expect(tracker.point).toEqual({ since: 104, seen: [`${105e9} container start ${A}`] });
  });
});
