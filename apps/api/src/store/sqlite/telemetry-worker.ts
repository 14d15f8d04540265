/**
 * The entry point of the telemetry writer's worker thread (WorkerTelemetryWriter): its own
 * connection to the database file, on which SqliteTelemetryWriter runs every write, so that
 * transactions never hold up the server's event loop. The file's schema is already migrated by
 * the main thread. Bundled beside the server as crowsnest-telemetry-worker.mjs (scripts/build-server.ts).
 *
 * Messages in: a TelemetryRequest per write or pack, then `null` to close. Out: `ready` once the
 * connection is open, then a TelemetryReply per request, in order, sent only once its transaction
 * has committed (with the rows the time window left out, or the samples packed) or failed.
 */
import { parentPort, workerData } from "node:worker_threads";
import { TimeWindow } from "../time-window.ts";
import { openConnection } from "./connection.ts";
import { SeriesIds } from "./series.ts";
import { SqliteTelemetryWriter } from "./telemetry-writer.ts";
import type {
  TelemetryReply,
  TelemetryRequest,
  TelemetryWorkerData,
  TelemetryWorkerMessage,
} from "./worker-telemetry-writer.ts";

const port = parentPort;
if (port === null) throw new Error("telemetry-worker.ts runs only as a worker thread");
const { path, keepMs } = workerData as TelemetryWorkerData;
const db = openConnection(path);
const writer = new SqliteTelemetryWriter(db, new SeriesIds(db), new TimeWindow(keepMs));
port.postMessage({ ready: true } satisfies TelemetryWorkerMessage);

port.on("message", (request: TelemetryRequest | null) => {
  if (request === null) {
    db.close();
    port.close();
    return;
  }
  let reply: TelemetryReply;
  try {
    reply =
      "pack" in request
        ? { id: request.id, packed: writer.pack(request.pack.now, request.pack.limit) }
        : { id: request.id, ...writer.writeCounting(request.writes) };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
