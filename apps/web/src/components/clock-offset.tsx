import { CLOCK_WARNING_MS } from "@crowsnest/protocol";
import { formatDuration } from "../lib/format.ts";

/**
 * Says that a host's clock is off, when the offset the server measured (`offsetMs`: the agent's
 * clock minus the server's, see Host.clockOffsetMs) is CLOCK_WARNING_MS or more either way; nothing
 * otherwise. Its figures are already placed at the server's time; the warning is for the host's
 * own logs and anything else that reads its clock.
 */
export function ClockOffsetWarning({ offsetMs }: { offsetMs: number | null }) {
  if (offsetMs === null || Math.abs(offsetMs) < CLOCK_WARNING_MS) return null;
  // Whole seconds: a measured 59 min 59.99 s reads as the hour it is.
  const off = formatDuration(Math.round(Math.abs(offsetMs) / 1000) * 1000);
  return (
    <div className="banner banner-warn" role="status" data-testid="clock-offset">
      This host's clock is {off} {offsetMs > 0 ? "ahead" : "behind"}. Its charts and figures are shown at this
      server's time; its containers' log timestamps come from its own clock. Set it right (NTP).
    </div>
  );
}
