/** Why a command got no outcome: no agent is connected for the host, or it did not answer in time. */
export type AgentUnavailableReason = "offline" | "timeout";

/**
 * The agent registry's own failure, for its callers to map (the actions route turns it into
 * `agent_offline` / `agent_timeout`). Any implementation of the registry (in-process today, a bus
 * across replicas later) rejects with it.
 */
export class AgentUnavailableError extends Error {
  readonly reason: AgentUnavailableReason;

  constructor(reason: AgentUnavailableReason, message: string) {
    super(message);
    this.name = "AgentUnavailableError";
    this.reason = reason;
  }
}
