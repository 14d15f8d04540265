import type { RawData } from "ws";

/** The bytes of a received frame, whatever form `ws` handed them in. */
export function frameBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
