import type { AppContext } from "../../context.ts";
import { AppError } from "../../errors/app-error.ts";
import type { HostRecord } from "../../store/store.ts";

/** The host, or a not_found error naming it. */
export async function findHost(ctx: AppContext, hostId: string): Promise<HostRecord> {
  const record = await ctx.store.hosts.get(hostId);
  if (!record) throw new AppError("not_found", `no host ${hostId}`);
  return record;
}
