import { type ContainerView, isProtected } from "@crowsnest/protocol";
import type { AppContext } from "../../context.ts";
import type { StoredContainer } from "../../store/store.ts";

/** The REST shape of a container: as stored, with its protection, latest sample and whether that sample is stale. */
export function toContainerView(ctx: AppContext, container: StoredContainer): ContainerView {
  return {
    ...container.info,
    hostId: container.hostId,
    protected: isProtected(container.info.labels),
    latest: ctx.latest.get(container.hostId, container.info.id),
    latestStale: !ctx.agents.isOnline(container.hostId),
  };
}
