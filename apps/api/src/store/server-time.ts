import type { MetricSample } from "@crowsnest/protocol";

/**
 * Samples put on the server's time line: each `t` (the agent's clock, ms since the epoch) minus
 * `clockOffsetMs` (the agent's clock minus the server's, see ClockOffsetEstimator). The same
 * array when the offset is 0.
 */
export function placeSamples(
  samples: readonly MetricSample[],
  clockOffsetMs: number,
): readonly MetricSample[] {
  if (clockOffsetMs === 0) return samples;
  return samples.map((sample) => ({ ...sample, t: sample.t - clockOffsetMs }));
}
