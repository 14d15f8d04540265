/** Bounds that every boundary enforces; they exist so that no peer can make us allocate without limit. */
export const LIMITS = {
  /** Largest frame an agent may send (also the server's ws maxPayload for /ws/agent). */
  agentFrameBytes: 4 * 1024 * 1024,
  /** Largest frame a browser may send on /ws/live. */
  browserFrameBytes: 64 * 1024,
  /** JSON nesting deeper than this is refused before a schema's parse would recurse into it (decode). */
  jsonDepth: 32,
  /**
   * A log line longer than this (in UTF-8 bytes, after Docker's 16 KiB partial messages are joined)
   * is cut and marked truncated (`logCutMarker`). 256 KiB is Loki's default line limit; a whole
   * line JSON-escaped (≤ 6 bytes per byte) still fits far below agentFrameBytes.
   */
  logLineBytes: 256 * 1024,
  logLinesPerBatch: 10_000,
  metricSamplesPerBatch: 10_000,
  eventsPerBatch: 5_000,
  containersPerHost: 5_000,
  /** A container's metadata past these is cut by `capContainerInfo` (container-metadata.ts), never refused. */
  labelsPerContainer: 512,
  labelKeyChars: 1_024,
  labelValueChars: 8_192,
  /** Keys and values of all of one container's labels together, in UTF-16 units (keeps a container far below a frame). */
  labelCharsPerContainer: 64 * 1_024,
  namesPerContainer: 64,
  /** Port entries after consecutive ports are summarised into ranges. */
  portsPerContainer: 1_024,
  /** An IP address as Docker reports a port binding's host address. */
  portIpChars: 64,
  shortText: 1_024,
} as const;
