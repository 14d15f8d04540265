import { type ContainerView, isProtected } from "@crowsnest/protocol";
import type { AppContext } from "../../context.ts";
import type { StoredContainer } from "../../store/store.ts";

/**
 * The REST shape of a container: as stored, with its protection, latest sample and whether that
 * sample is stale; a removed container (a tombstone) has `removedAt` and no latest sample.
 */
export function toContainerView(ctx: AppContext, container: StoredContainer): ContainerView {
  return {
    ...container.info,
    hostId: container.hostId,
    protected: isProtected(container.info.labels),
    latest: container.removedAt === null ? ctx.latest.get(container.hostId, container.info.id) : null,
    latestStale: !ctx.agents.isOnline(container.hostId),
    removedAt: container.removedAt,
  };
}
