import { vi } from "vitest";
import type { TelemetryWrite, WriteResult } from "../../src/store/store.ts";
import type { TelemetryServer } from "./telemetry-server.ts";

/** Holds the store's writes until `release()`, or fails the next one: the disk made slow or full. */
export function controlStore(server: Pick<TelemetryServer, "store">) {
  const writer = server.store.telemetry;
  const write = writer.write.bind(writer);
  let open: () => void = () => {};
  let gate: Promise<void> = Promise.resolve();
  const spy = vi
    .spyOn(writer, "write")
    .mockImplementation(async (writes: readonly TelemetryWrite[]): Promise<WriteResult[]> => {
      await gate;
      return write(writes);
    });
  return {
    hold: () => {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
    failNext: () => spy.mockRejectedValueOnce(new Error("disk full (test)")),
  };
}
