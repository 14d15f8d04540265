import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLOSE_CODES, type StoredLogLine } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { ServerProcess } from "../../../../test/support/processes.ts";
import { defaultDatabase } from "../../src/store/database-url.ts";
import { msToTs, msToTsEnd } from "../../src/store/log-time.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { LogPosition, Store } from "../../src/store/store.ts";
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

/** Every stored line of one container, oldest first, page by page through the Store contract. */
async function allLines(store: Store, hostId: string, containerId: string): Promise<StoredLogLine[]> {
  const lines: StoredLogLine[] = [];
  let before: LogPosition | null = null;
  do {
    const page = await store.logs.query({
      hostId,
      containerId,
      from: msToTs(0),
      to: msToTsEnd(Date.parse("2100-01-01")),
      words: null,
      stream: null,
      limit: 1_000,
      before,
    });
    lines.unshift(...page.lines);
    before = page.next;
  } while (before !== null);
  return lines;
}

describe("crowsnest-server on SIGTERM", () => {
  it("closes agents with 1001, stores whole batches only, every acked one included, and exits 0", async () => {
    server = await ServerProcess.start({ dataDir });
    const { hostId, token } = await server.addHost("streaming");
    const id = containerId();
    const agent = await SimAgent.connect(server.agentUrl, token, {
      containers: [containerInfo(id, "chatty")],
    });
    const acked = new Set<number>();
    // Recent times: the store leaves out telemetry older than its longest retention.
    const t0 = Date.now() - 60_000;
    for (let b = 0; b < BATCHES; b++) {
      const lines = Array.from({ length: LINES_PER_BATCH }, (_, i) =>
        logLine(id, t0 + b * LINES_PER_BATCH + i, `batch ${b} line ${i}`),
      );
      const { seq, acked: ack } = agent.send({ type: "logs", lines, drops: [] });
      void ack.then(() => acked.add(seq));
    }
    // Stop while the batches are still arriving and being stored.
    await agent.next((m) => m.type === "ack");
    await server.process.kill("SIGTERM");
    expect(await server.process.exited).toBe(0);
    expect((await agent.closed).code).toBe(CLOSE_CODES.shuttingDown);

    const store = await openStore({ database: defaultDatabase(dataDir) });
    try {
      // Lines per stored batch: batch b (seq b + 1) wrote "batch b line i".
      const perSeq = new Map<number, number>();
      for (const line of await allLines(store, hostId, id)) {
        const seq = Number(/^batch (\d+) line /.exec(line.text)?.[1]) + 1;
        perSeq.set(seq, (perSeq.get(seq) ?? 0) + 1);
      }
      for (const seq of acked) expect(perSeq.has(seq), `acked seq ${seq}`).toBe(true);
      expect([...perSeq.values()].every((n) => n === LINES_PER_BATCH)).toBe(true);
      // The ledger holds what the lines show: the last batch stored is the last one with lines.
      expect(await store.hosts.lastStoredSeq(hostId)).toBe(Math.max(...perSeq.keys()));
    } finally {
      await store.close();
    }
  });
});
