import { describe, expect, it } from "vitest";
import { MAX_KEPT_UPDATES, ReadResync, type Update } from "../src/lib/read-resync.ts";

/** Updates that append their name, so that what a replay applies, and in what order, shows. */
const update =
  (name: string): Update<string[]> =>
  (prev) => [...prev, name];
const replayed = (updates: Update<string[]>[]) => updates.reduce((d, u) => u(d), [] as string[]);

describe("keeping a read whole against live updates (ReadResync)", () => {
  it("gives a read the updates made while it was under way, and keeps none once it has ended", () => {
    const r = new ReadResync<string[]>();
    expect(r.applied(update("before"))).toBe(true);
    const ticket = r.fetchStarted();
    r.applied(update("during"));
    expect(replayed(r.fetchEnded(ticket, true))).toEqual(["during"]);
    r.applied(update("after"));
    expect(r.fetchEnded(r.fetchStarted(), true)).toEqual([]);
  });

  it("keeps from the subscription's sending until the read started after its confirmation has ended", () => {
    const r = new ReadResync<string[]>();
    r.subscribing();
    r.applied(update("u1"));
    const first = r.fetchStarted(); // the page's first read, before the confirmation
    r.applied(update("u2"));
    expect(replayed(r.fetchEnded(first, true))).toEqual(["u1", "u2"]);
    r.applied(update("u3")); // still kept: the first read may have missed what came before it
    r.subscribed();
    const confirmed = r.fetchStarted();
    r.applied(update("u4"));
    expect(replayed(r.fetchEnded(confirmed, true))).toEqual(["u1", "u2", "u3", "u4"]);
    r.applied(update("u5"));
    expect(r.fetchEnded(r.fetchStarted(), true)).toEqual([]);
  });

  it("goes on keeping when the socket reconnected while the confirmed read was under way", () => {
    const r = new ReadResync<string[]>();
    r.subscribing();
    r.subscribed();
    const read = r.fetchStarted();
    r.subscribing(); // a reconnect: this read does not end the new subscription's keeping
    r.applied(update("u1"));
    expect(replayed(r.fetchEnded(read, true))).toEqual(["u1"]);
    r.applied(update("u2"));
    r.subscribed();
    expect(replayed(r.fetchEnded(r.fetchStarted(), true))).toEqual(["u1", "u2"]);
    expect(r.fetchEnded(r.fetchStarted(), true)).toEqual([]);
  });

  it("replays nothing onto a failed read, which still ends the keeping", () => {
    const r = new ReadResync<string[]>();
    r.subscribing();
    r.applied(update("u1"));
    r.subscribed();
    expect(r.fetchEnded(r.fetchStarted(), false)).toEqual([]);
    r.applied(update("u2"));
    expect(r.fetchEnded(r.fetchStarted(), true)).toEqual([]);
  });

  it("drops what it keeps past MAX_KEPT_UPDATES and asks for a read instead", () => {
    const r = new ReadResync<string[]>();
    r.subscribing(); // never confirmed: the server refused the subscription, say
    for (let i = 0; i < MAX_KEPT_UPDATES; i++) expect(r.applied(update(String(i)))).toBe(true);
    expect(r.applied(update("one too many"))).toBe(false);
    r.applied(update("next"));
    expect(replayed(r.fetchEnded(r.fetchStarted(), true))).toEqual(["next"]);
  });
});
