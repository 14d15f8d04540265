import { ContainerId, HostId } from "@crowsnest/protocol";
import { z } from "zod";

export const HostParams = z.object({ hostId: HostId });
export const ContainerParams = z.object({ hostId: HostId, containerId: ContainerId });

/** A time in a query string: milliseconds since the Unix epoch. */
export const EpochMsParam = z
  .string()
  .regex(/^\d{1,16}$/, "must be milliseconds since the Unix epoch")
  .transform(Number);
