import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerLogLines, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

const LABEL = "crowsnest.test=faults-disk";

/** Writes zeroes into a file until the filesystem has no space left; returns the bytes written. */
function fillDisk(path: string): number {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(256 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

/** The data directory sits on a 64 MiB tmpfs, so the test can run it out of space. */
describe("the data directory's disk full", () => {
  const mountDir = mkdtempSync(join(tmpdir(), "crowsnest-disk-"));
  let rig: Rig;

  beforeAll(async () => {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mountDir]);
    rig = await Rig.start(LABEL, { dataDir: mountDir });
  });

  afterAll(async () => {
    await rig?.stop();
    execFileSync("umount", [mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
  });

  it("stops acking, reports it on /api/health, and resumes without loss when space returns", async () => {
    const { server } = rig;
    const { hostId, agent } = await rig.addAgent("disk-host");
    const api = await rig.admin();
    const containerId = await runTestContainer(
      rig.label,
      'PAD=$(head -c 1000 /dev/zero | tr "\\0" x); i=0; while :; do j=0; while [ $j -lt 20 ]; do i=$((i+1)); j=$((j+1)); echo "L $i $PAD"; done; usleep 100000; done',
    );
    await waitFor("first lines", async () => (await api.allLogLines(hostId, containerId)).length > 100);

    const filler = join(mountDir, "filler");
    const fillerBytes = fillDisk(filler);
    const health = await waitFor(
      () => `/api/health to report the store failing\n${server.process.output}`,
      async () => {
        const res = await fetch(`${server.baseUrl}/api/health/details`, { headers: { cookie: api.cookie } });
        const body = (await res.json()) as { status: string; storage: { ok: boolean; error?: string } };
        return res.status === 503 ? body : null;
      },
      90_000,
      500,
    );
    expect(health.status).toBe("degraded");
    expect(health.storage.ok).toBe(false);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(agent.running).toBe(true);

    rmSync(filler);
    await waitFor(
      "/api/health to recover",
      async () => (await fetch(`${server.baseUrl}/api/health`)).status === 200,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    await docker("kill", containerId);
    const written = await dockerLogLines(containerId);
    const stored = await waitFor(
      () => `all ${written.length} lines after space returned\n${agent.output}`,
      async () => {
        const lines = await api.allLogLines(hostId, containerId);
        return lines.length >= written.length ? lines.map((l) => l.text) : null;
      },
      120_000,
      1_000,
    );
    recordFigure("disk full", {
      fillerMiB: Math.round(fillerBytes / 2 ** 20),
      storageError: health.storage.error ?? "",
      linesWritten: written.length,
      linesStored: stored.length,
    });
    expect(stored).toEqual(written);
  }, 360_000);
});
