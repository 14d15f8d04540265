import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLOSE_CODES } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { ServerProcess } from "../../../../test/support/processes.ts";
import { openStore } from "../../src/store/open-store.ts";
import { containerId, containerInfo, logLine } from "../support/samples.ts";
import { SimAgent } from "../support/sim-agent.ts";

// SIGTERM to the real crowsnest-server process while an agent streams: the sockets close with
// "going away", the process exits 0, every acked batch is in the file and no batch is half-stored.
const dataDir = mkdtempSync(join(tmpdir(), "crowsnest-shutdown-"));
const BATCHES = 200;
const LINES_PER_BATCH = 50;
let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("crowsnest-server on SIGTERM", () => {
  it("closes agents with 1001, stores whole batches only, every acked one included, and exits 0", async () => {
    server = await ServerProcess.start({ dataDir });
    const { hostId, token } = await server.addHost("streaming");
    const id = containerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "chatty")],
    });
    const acked = new Set<number>();
    for (let b = 0; b < BATCHES; b++) {
      const lines = Array.from({ length: LINES_PER_BATCH }, (_, i) =>
        logLine(id, Date.UTC(2026, 0, 1) + b * LINES_PER_BATCH + i, `batch ${b} line ${i}`),
      );
      const { seq, acked: ack } = agent.send({ type: "logs", lines, drops: [] });
      void ack.then(() => acked.add(seq));
    }
    // Stop while the batches are still arriving and being stored.
    await agent.next((m) => m.type === "ack");
    await server.process.kill("SIGTERM");
    expect(await server.process.exited).toBe(0);
    expect((await agent.closed).code).toBe(CLOSE_CODES.shuttingDown);

    const store = openStore({ dataDir });
    try {
      const perSeq = store.db
        .prepare(
          `SELECT b.seq AS seq, count(l.id) AS n FROM ingested_batches b
           LEFT JOIN log_lines l ON l.host_id = b.host_id AND l.text LIKE 'batch ' || (b.seq - 1) || ' line %'
           WHERE b.host_id = ? GROUP BY b.seq ORDER BY b.seq`,
        )
        .all(hostId) as { seq: number; n: number }[];
      const stored = new Set(perSeq.map((r) => r.seq));
      for (const seq of acked) expect(stored.has(seq), `acked seq ${seq}`).toBe(true);
      expect(perSeq.every((r) => r.n === LINES_PER_BATCH)).toBe(true);
      const total = store.db.prepare("SELECT count(*) AS n FROM log_lines WHERE host_id = ?").get(hostId) as {
        n: number;
      };
      expect(total.n).toBe(perSeq.length * LINES_PER_BATCH);
    } finally {
      await store.close();
    }
  });
});
