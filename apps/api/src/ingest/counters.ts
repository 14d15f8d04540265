/** Running totals of the agent path since start, reported by /api/health. */
export interface IngestCounters {
  storedBatches: number;
  duplicateBatches: number;
  rejectedFrames: number;
}

export function newIngestCounters(): IngestCounters {
  return { storedBatches: 0, duplicateBatches: 0, rejectedFrames: 0 };
}
