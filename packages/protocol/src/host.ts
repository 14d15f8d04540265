import { z } from "zod";
import { LIMITS } from "./limits.ts";

const Text = z.string().max(LIMITS.shortText);

export const HostInfo = z.object({
  hostname: Text,
  os: Text,
  kernel: Text,
  architecture: Text,
  cpus: z.number().int().positive().max(100_000),
  memoryBytes: z.number().int().nonnegative(),
  dockerVersion: Text,
  dockerApiVersion: Text,
  cgroupVersion: z.enum(["1", "2"]),
});
export type HostInfo = z.infer<typeof HostInfo>;
