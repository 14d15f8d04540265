/**
 * One reading of an agent's clock against the server's: `offsetMs` is the agent's clock minus the
 * server's, `roundTripMs` how long the exchange took on the wire (its reading is off by at most half
 * of it); Infinity when unknown (a one-way reading such as the hello's).
 */
export interface ClockReading {
  offsetMs: number;
  roundTripMs: number;
}

/**
 * One NTP exchange (RFC 5905, section 8), every time in ms since the epoch: t1 the server sent the
 * probe, t2 the agent received it, t3 the agent answered, t4 the server received the answer.
 * offset = ((t2 − t1) + (t3 − t4)) / 2, round trip = (t4 − t1) − (t3 − t2).
 */
export function exchangeReading(t1: number, t2: number, t3: number, t4: number): ClockReading {
  return { offsetMs: (t2 - t1 + (t3 - t4)) / 2, roundTripMs: Math.max(0, t4 - t1 - (t3 - t2)) };
}

/**
 * The hello's reading: the agent's clock when it sent hello minus the server's when it arrived. Off
 * by the one-way delay, which nobody can tell, so its round trip is unknown and any exchange beats it.
 */
export function helloReading(agentSentMs: number, serverReceivedMs: number): ClockReading {
  return { offsetMs: agentSentMs - serverReceivedMs, roundTripMs: Number.POSITIVE_INFINITY };
}

/** Readings kept: at the server's default 15 s heartbeat, the last two minutes. */
const WINDOW = 8;
/**
 * How far two readings may disagree beyond their own uncertainty (half of each round trip) before
 * the clock counts as stepped: drift of a free-running quartz clock (≤ 500 ppm) over the window,
 * with room for scheduling delays on a busy agent.
 */
const STEP_TOLERANCE_MS = 250;

/**
 * A robust estimate of one agent's clock offset, as NTP's clock filter keeps it: of the last few
 * readings, the one with the smallest round trip (the least room for asymmetric delays). A reading
 * whose uncertainty interval (offset ± round trip / 2) lies clear of the estimate's, by more than
 * drift explains, means the agent's clock was stepped (set right, or wrong): the older readings are
 * dropped and the new one is the estimate at once, so a corrected clock is taken into account at
 * the next heartbeat.
 */
export class ClockOffsetEstimator {
  #readings: ClockReading[] = [];
  #best: ClockReading | null = null;

  /** Takes one reading in. */
  add(reading: ClockReading): void {
    const best = this.#best;
    if (best !== null) {
      const uncertainty = (reading.roundTripMs + best.roundTripMs) / 2 + STEP_TOLERANCE_MS;
      if (Math.abs(reading.offsetMs - best.offsetMs) > uncertainty) this.#readings = [];
    }
    this.#readings.push(reading);
    if (this.#readings.length > WINDOW) this.#readings.shift();
    this.#best = this.#readings.reduce((a, b) => (b.roundTripMs <= a.roundTripMs ? b : a));
  }

  /** The agent's clock minus the server's, in whole ms; null before the first reading. */
  get offsetMs(): number | null {
    return this.#best === null ? null : Math.round(this.#best.offsetMs);
  }
}
