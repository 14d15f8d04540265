import { z } from "zod";

/** A full Docker container id: 64 lowercase hex digits. Names and short ids are never accepted. */
export const ContainerId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, "must be a full Docker container id (64 hex digits)");
export type ContainerId = z.infer<typeof ContainerId>;

/** Host ids are minted by the server; they also appear in URLs, so only URL-safe characters. */
export const HostId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 of A-Z a-z 0-9 _ -");
export type HostId = z.infer<typeof HostId>;

/** RFC 3339 UTC timestamp with up to nanosecond precision, as Docker writes it. */
export const Rfc3339Nano = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/, "must be an RFC 3339 UTC timestamp");
export type Rfc3339Nano = z.infer<typeof Rfc3339Nano>;

/** Milliseconds since the Unix epoch. */
export const EpochMs = z.number().int().nonnegative().max(8.64e15);
export type EpochMs = z.infer<typeof EpochMs>;

/**
 * A 32-bit signed integer, −2^31 to 2^31 − 1: what Docker's exit codes and the kernel's pid counts
 * are (Go `int` values the Engine reports from 32-bit sources), and what the stores' integer columns
 * hold. Wider values can only come from a broken or hostile agent.
 */
export const Int32 = z
  .number()
  .int()
  .min(-(2 ** 31))
  .max(2 ** 31 - 1);
