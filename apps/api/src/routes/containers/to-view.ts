import { type ContainerView, isProtected } from "@crowsnest/protocol";
import type { AppContext } from "../../context.ts";
import type { StoredContainer } from "../../store/store.ts";

export function toContainerView(ctx: AppContext, container: StoredContainer): ContainerView {
  return {
    ...container.info,
    hostId: container.hostId,
    protected: isProtected(container.info.labels),
    latest: ctx.latest.get(container.hostId, container.info.id),
  };
}
