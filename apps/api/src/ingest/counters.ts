/** Running totals of the agent path since start, reported by /api/health. */
export interface IngestCounters {
  storedBatches: number;
  duplicateBatches: number;
  rejectedFrames: number;
  /** Containers left out of an otherwise stored inventory or events batch because they could not be read. */
  refusedContainers: number;
}

export function newIngestCounters(): IngestCounters {
  return { storedBatches: 0, duplicateBatches: 0, rejectedFrames: 0, refusedContainers: 0 };
}
