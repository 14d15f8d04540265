import { LIMITS, type LogsResponse, logCutMarker, type StoredLogLine } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import { dockerLogLines, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

/** A real server, a real agent at the default rate (1,000 lines/s per container), the real Engine. */
describe("log bursts and long lines, from the Engine to the store", () => {
  let rig: Rig;
  let api: ApiClient;
  let hostId: string;

  beforeAll(async () => {
    rig = await Rig.start("crowsnest.test=log-bursts");
    ({ hostId } = await rig.addAgent("bursts"));
    api = await rig.admin();
    // The agent connects only after its first list of the Engine's containers. A container already
    // in that list ran before the agent came, and the agent reads only its last 1,000 lines
    // (log-manager.ts, FIRST_SIGHT_TAIL); the containers below must start after it, as in the field.
    await waitFor("the agent online", async () => (await api.host(hostId)).online, 60_000);
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const storedCount = (id: string, count: number, timeoutMs = 60_000): Promise<StoredLogLine[]> => {
    let stored = 0;
    return waitFor(
      () => `${count} stored lines (${stored} stored)`,
      async () => {
        const lines = await api.allLogLines(hostId, id);
        stored = lines.length;
        return lines.length >= count && lines;
      },
      timeoutMs,
      500,
    );
  };

  // Two waits of up to 60 s each; at 1,000 lines/s a container's burst takes about 5 s.
  it("stores every line of a 5,000-line burst, equal to `docker logs` in text and order", {
    timeout: 150_000,
  }, async () => {
    const literal = await runTestContainer(rig.label, 'yes "héllo wörld 😀😀 ✓" | head -n 5000; sleep 3600');
    const numbered = await runTestContainer(
      rig.label,
      "seq 1 5000 | sed 's/^/héllo wörld 😀😀 ✓ /'; sleep 3600",
    );
    for (const id of [literal, numbered]) {
      const stored = await storedCount(id, 5_000);
      const truth = await dockerLogLines(id);
      expect(truth).toHaveLength(5_000);
      expect(stored.map((l) => l.text)).toEqual(truth);
    }
  });

  it("keeps a 40,008-character line whole with one timestamp, and finds one by its last word", async () => {
    // The line is one 40,008-character word; the second has a last word to search for.
    const id = await runTestContainer(
      rig.label,
      'printf "START%040000dEND\\n" 0; printf "S%039996d zebra40008\\n" 0; echo after; sleep 3600',
    );
    const [long, searchable, after] = await storedCount(id, 3, 30_000);
    expect(long).toMatchObject({ text: `START${"0".repeat(40_000)}END`, truncated: false });
    expect(long?.text).toHaveLength(40_008);
    const firstPieceTs = (await docker("logs", "--timestamps", id)).split(" ")[0] ?? "";
    expect(Date.parse(long?.ts ?? "")).toBe(Date.parse(firstPieceTs));
    expect(searchable?.text).toHaveLength(40_008);
    expect(after?.text).toBe("after");

    const found = await api.get<LogsResponse>(
      `/api/hosts/${hostId}/containers/${id}/logs?from=0&q=zebra40008`,
    );
    expect(found.lines.map((l) => [l.id, l.text.length])).toEqual([[searchable?.id, 40_008]]);
  });

  it("cuts a 300 KiB line at 256 KiB with the marker and its original length, through server and store", async () => {
    const id = await runTestContainer(
      rig.label,
      "head -c 307200 /dev/zero | tr '\\0' a; echo; echo after; sleep 3600",
    );
    const [cut, after] = await storedCount(id, 2, 30_000);
    expect(cut?.truncated).toBe(true);
    expect(cut?.text).toBe("a".repeat(LIMITS.logLineBytes) + logCutMarker(307_200));
    expect(after).toMatchObject({ text: "after", truncated: false });
  });
});
