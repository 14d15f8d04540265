/** Running totals of the agent path since start, reported by /api/health. */
export interface IngestCounters {
  storedBatches: number;
  /** Batches acked without being written because this very batch (same content) was stored before. */
  duplicateBatches: number;
  /** Batches stored although their (host, incarnation, seq) was already used by another batch (also in storedBatches). */
  collidedBatches: number;
  /** Second agents refused because another agent, with another incarnation, was live on the credential. */
  refusedAgents: number;
  rejectedFrames: number;
  /** Containers left out of an otherwise stored inventory or events batch because they could not be read. */
  refusedContainers: number;
}

export function newIngestCounters(): IngestCounters {
  return {
    storedBatches: 0,
    duplicateBatches: 0,
    collidedBatches: 0,
    refusedAgents: 0,
    rejectedFrames: 0,
    refusedContainers: 0,
  };
}
