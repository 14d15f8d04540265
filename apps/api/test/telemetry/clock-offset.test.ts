import { answerClockProbe, clockProbe, readClockAnswer } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import {
  ClockOffsetEstimator,
  type ClockReading,
  exchangeReading,
  helloReading,
} from "../../src/ingest/clock-offset.ts";

const HOUR = 3_600_000;

/** An exchange with an agent `offsetMs` off, `outMs` on the way there and `backMs` on the way back. */
function exchange(offsetMs: number, outMs: number, backMs: number, t1 = 1_000_000): ClockReading {
  const agentMs = t1 + outMs + offsetMs;
  return exchangeReading(t1, agentMs, agentMs, t1 + outMs + backMs);
}

describe("exchangeReading (RFC 5905 offset and round trip)", () => {
  it("reads a symmetric exchange exactly", () => {
    expect(exchange(HOUR, 10, 10)).toEqual({ offsetMs: HOUR, roundTripMs: 20 });
    expect(exchange(-HOUR, 3, 3)).toEqual({ offsetMs: -HOUR, roundTripMs: 6 });
  });

  it("is off by at most half the round trip when the delays differ", () => {
    const reading = exchange(HOUR, 90, 10);
    expect(reading.roundTripMs).toBe(100);
    expect(Math.abs(reading.offsetMs - HOUR)).toBeLessThanOrEqual(reading.roundTripMs / 2);
  });

  it("takes the agent's time spent answering out of the round trip", () => {
    expect(exchangeReading(1_000, 1_010, 1_030, 1_050)).toEqual({ offsetMs: -5, roundTripMs: 30 });
  });
});

describe("ClockOffsetEstimator", () => {
  it("knows nothing before a reading", () => {
    expect(new ClockOffsetEstimator().offsetMs).toBeNull();
  });

  it("keeps the reading with the smallest round trip", () => {
    const clock = new ClockOffsetEstimator();
    clock.add(exchange(HOUR, 40, 10)); // off by 15 ms
    clock.add(exchange(HOUR, 2, 2)); // exact
    clock.add(exchange(HOUR, 10, 60)); // off by 25 ms
    expect(clock.offsetMs).toBe(HOUR);
  });

  it("replaces the hello's one-way reading with the first exchange", () => {
    const clock = new ClockOffsetEstimator();
    clock.add(helloReading(5_000 + HOUR, 5_040));
    expect(clock.offsetMs).toBe(HOUR - 40);
    clock.add(exchange(HOUR, 30, 30));
    expect(clock.offsetMs).toBe(HOUR);
  });

  it("follows a stepped clock at the first reading after the step", () => {
    const clock = new ClockOffsetEstimator();
    for (let i = 0; i < 5; i++) clock.add(exchange(HOUR, 1, 1));
    clock.add(exchange(0, 40, 40)); // slower than every reading before, yet clear of them
    expect(clock.offsetMs).toBe(0);
    clock.add(exchange(-HOUR, 5, 5));
    expect(clock.offsetMs).toBe(-HOUR);
  });

  it("does not take a slow, lopsided exchange for a step", () => {
    const clock = new ClockOffsetEstimator();
    clock.add(exchange(HOUR, 1, 1));
    clock.add(exchange(HOUR, 1_900, 100)); // reads 900 ms off, within its own ±1 s
    expect(clock.offsetMs).toBe(HOUR);
  });

  it("forgets readings older than its window, so drift is followed", () => {
    const clock = new ClockOffsetEstimator();
    clock.add(exchange(0, 1, 1));
    for (let i = 1; i <= 8; i++) clock.add(exchange(i * 20, 5, 5));
    expect(clock.offsetMs).toBe(160);
  });
});

describe("heartbeat clock probes", () => {
  it("carry the server's time out and the agent's back", () => {
    const pong = answerClockProbe(Buffer.from(clockProbe(1_700_000_000_000)), 1_700_003_600_123);
    expect(readClockAnswer(pong)).toEqual({ serverSentMs: 1_700_000_000_000, agentMs: 1_700_003_600_123 });
    expect(pong.length).toBeLessThanOrEqual(125);
  });

  it("read no measurement from an agent that echoes the ping, as agents before the probes do", () => {
    expect(readClockAnswer(Buffer.from(clockProbe(1_700_000_000_000)))).toBeNull();
    expect(readClockAnswer(Buffer.alloc(0))).toBeNull();
  });

  it("leave other pings' payloads echoed unchanged", () => {
    const ping = Buffer.from("keepalive");
    expect(answerClockProbe(ping, 1)).toBe(ping);
  });
});
