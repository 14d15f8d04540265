import { describe, expect, it } from "vitest";
import { type ResumePoint, ResumeTracker } from "../src/logs/resume.ts";

const at = (second: number, nanos = 0) =>
  `2026-11-24T12:00:${String(second).padStart(2, "0")}.${String(nanos).padStart(9, "0")}Z`;
const epoch = (second: number) => Date.parse("2026-11-24T12:00:00Z") / 1000 + second;

/** What Docker returns for `since`: the log in order, without lines from before that second. */
const replay = (log: string[], since: number) => log.filter((ts) => Date.parse(ts) / 1000 >= since);

describe("ResumeTracker", () => {
  const log = [at(1), at(1), at(2, 5), at(2, 5), at(2, 7), at(3), at(3, 1), at(4), at(4), at(5)];

  it("after a restart at any point, hands over exactly the lines not handled before", () => {
    for (let handled = 0; handled <= log.length; handled++) {
      const before = new ResumeTracker(null);
      for (const ts of log.slice(0, handled)) expect(before.accept(ts)).toBe(true);
      const after = new ResumeTracker(handled === 0 ? null : before.point);
      const fresh = replay(log, after.since).filter((ts) => after.accept(ts));
      expect(fresh).toEqual(log.slice(handled));
    }
  });

  it("survives several restarts in a row", () => {
    let point: ResumePoint | null = null;
    const handed: string[] = [];
    for (const stop of [2, 3, 7, 10]) {
      const tracker: ResumeTracker = new ResumeTracker(point);
      for (const ts of replay(log, tracker.since)) {
        if (handed.length >= stop) break;
        if (tracker.accept(ts)) handed.push(ts);
      }
      point = tracker.point;
    }
    expect(handed).toEqual(log);
  });

  it("keeps the position small: since trails the newest timestamp by one second", () => {
    const tracker = new ResumeTracker(null);
    for (const ts of log) tracker.accept(ts);
    expect(tracker.point).toEqual({ since: epoch(4), skip: 3, first: at(4), last: at(5) });
  });

  describe("when Docker rotated lines out of its file between two streams", () => {
    /** What Docker still holds after rotation: the log from `from` on. */
    const kinds = (tracker: ResumeTracker, held: string[]) => held.map((ts) => [ts, tracker.classify(ts)]);

    it("skips what is left of the handled prefix and reads on, reporting no loss when only handled lines went", () => {
      const before = new ResumeTracker(null);
      for (const ts of log.slice(0, 9)) before.accept(ts); // up to at(4); at(5) unread
      const after = new ResumeTracker(before.point);
      // The file now starts at the second at(4) line: part of the handled prefix is gone.
      expect(kinds(after, replay(log.slice(8), after.since))).toEqual([
        [at(4), "replayed"],
        [at(5), "new"],
      ]);
    });

    it("reports lines after the last one handled as new after a loss, from where reading stopped", () => {
      const before = new ResumeTracker(null);
      for (const ts of log.slice(0, 5)) expect(before.accept(ts)).toBe(true);
      before.stoppedBefore(at(3)); // the 6th line was refused for backpressure
      // Docker rotated everything up to the 7th line away.
      const held = log.slice(7);
      expect(before.classify(held[0] as string)).toBe("new_after_loss");
      expect(before.gapStart).toBe(at(3));
      before.record(held[0] as string);
      expect(held.slice(1).map((ts) => before.classify(ts))).toEqual(["new", "new"]);
    });

    it("reports no loss when the refused line is the first Docker still holds", () => {
      const before = new ResumeTracker(null);
      for (const ts of log.slice(0, 5)) before.accept(ts);
      before.stoppedBefore(at(3));
      expect(log.slice(5).map((ts) => before.classify(ts))[0]).toBe("new");
    });
  });

  it("tolerates stdout/stderr timestamps slightly out of order", () => {
    const interleaved = [at(1, 2), at(1, 1), at(2, 9), at(2, 8), at(3)];
    const before = new ResumeTracker(null);
    for (const ts of interleaved.slice(0, 4)) before.accept(ts);
    const after = new ResumeTracker(before.point);
    expect(replay(interleaved, after.since).filter((ts) => after.accept(ts))).toEqual([at(3)]);
  });
});
