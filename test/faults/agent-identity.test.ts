import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { ContainerView, Host } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import { dockerLogLines, numberedLinesScript, runTestContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { recordFigure } from "../support/figures.ts";
import { type ManagedProcess, waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

const LABEL = "crowsnest.test=faults-agent-identity";
/** The container: twenty lines, then it stays up. */
const TWENTY_LINES = 'i=1; while [ $i -le 20 ]; do echo "line $i of 20"; i=$((i+1)); done; sleep 3600';

interface HealthDetails {
  ingest: { storedBatches: number; duplicateBatches: number; refusedAgents: number };
}

/**
 * An agent's batches keep one identity across restarts, resets, restored backups and clones of
 * its state directory: a real server, real agents on state directories that are deleted, rolled
 * back or copied, and real containers; what is stored is read back as an admin over REST.
 */
describe("agent state directory reset, restored or cloned", () => {
  let rig: Rig;
  let api: ApiClient;

  beforeAll(async () => {
    rig = await Rig.start(LABEL);
    api = await rig.admin();
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const health = () => api.get<HealthDetails>("/api/health/details");

  /** Waits until the container's stored lines number `count`, then looks once more after a pause (a late duplicate would show). */
  async function storedTexts(hostId: string, containerId: string, count: number, why: () => string) {
    await waitFor(why, async () => (await api.allLogLines(hostId, containerId)).length >= count, 90_000, 500);
    await new Promise((r) => setTimeout(r, 2_000));
    return (await api.allLogLines(hostId, containerId)).map((l) => l.text);
  }

  async function listed(hostId: string, containerId: string): Promise<boolean> {
    const containers = await api.get<ContainerView[]>(`/api/hosts/${hostId}/containers`);
    return containers.some((c) => c.id === containerId);
  }

  /** A consistent copy of a live agent's state directory, as a VM snapshot or a backup takes it. */
  function snapshot(agent: ManagedProcess, stateDir: string, to: string): void {
    process.kill(agent.pid, "SIGSTOP");
    try {
      cpSync(stateDir, to, { recursive: true });
    } finally {
      process.kill(agent.pid, "SIGCONT");
    }
  }

  it("stores all 20 lines of a new container after the outbox state was deleted (credential kept)", async () => {
    const { hostId, token, agent, stateDir } = await rig.addAgent("reset-host");
    const busy = await runTestContainer(LABEL, numberedLinesScript(200));
    await waitFor(
      () => `a hundred stored batches\n${agent.output}`,
      async () => (await health()).ingest.storedBatches >= 100,
      90_000,
      500,
    );
    await docker("kill", busy);
    await agent.kill("SIGTERM");
    rmSync(join(stateDir, "outbox"), { recursive: true });
    rmSync(join(stateDir, "outbox-state.json"));
    const before = (await health()).ingest;

    const restarted = rig.restartAgent(token, stateDir);
    const twenty = await runTestContainer(LABEL, TWENTY_LINES);
    const stored = await storedTexts(hostId, twenty, 20, () => `20 stored lines\n${restarted.output}`);
    await waitFor("the new container listed", () => listed(hostId, twenty));
    const after = (await health()).ingest;
    recordFigure("agent state reset", {
      batchesBeforeReset: before.storedBatches,
      linesStored: stored.length,
      batchesStoredAfter: after.storedBatches - before.storedBatches,
      duplicatesAfter: after.duplicateBatches - before.duplicateBatches,
    });
    expect(stored).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 1} of 20`));
    expect(after.duplicateBatches - before.duplicateBatches).toBe(0);
    expect((await api.host(hostId)).agentConflict).toBeNull();
    await restarted.kill();
  }, 240_000);

  it("loses nothing acked when the state directory is restored from an older copy", async () => {
    const { hostId, token, agent, stateDir } = await rig.addAgent("restored-host");
    const busy = await runTestContainer(LABEL, numberedLinesScript(100));
    await waitFor("first lines", async () => (await api.allLogLines(hostId, busy)).length > 200, 60_000);
    const backup = join(rig.dir, "restored-backup");
    snapshot(agent, stateDir, backup);
    // The agent goes on: the server stores batches numbered past the backup's.
    const atBackup = (await api.allLogLines(hostId, busy)).length;
    await waitFor("more lines after the backup", async () => {
      return (await api.allLogLines(hostId, busy)).length > atBackup + 500;
    });
    await agent.kill("SIGTERM");
    rmSync(stateDir, { recursive: true });
    cpSync(backup, stateDir, { recursive: true });

    const restored = rig.restartAgent(token, stateDir);
    const twenty = await runTestContainer(LABEL, TWENTY_LINES);
    const stored = await storedTexts(hostId, twenty, 20, () => `20 stored lines\n${restored.output}`);
    await waitFor("the new container listed", () => listed(hostId, twenty));
    await docker("kill", busy);
    const written = await dockerLogLines(busy);
    const busyStored = await storedTexts(
      hostId,
      busy,
      written.length,
      () => `every line\n${restored.output}`,
    );
    recordFigure("agent state restored from an older copy", {
      linesWritten: written.length,
      linesStored: busyStored.length,
      distinctStored: new Set(busyStored).size,
      newContainerLines: stored.length,
    });
    expect(stored).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 1} of 20`));
    // Every line Docker has is stored; the lines between the backup and the stop were read again.
    expect(new Set(busyStored)).toEqual(new Set(written));
    await restored.kill();
  }, 240_000);

  it("refuses a clone running beside the original, shows it to the admin, and loses no acked batch of either", async () => {
    const { hostId, token, agent, stateDir } = await rig.addAgent("cloned-host");
    const busy = await runTestContainer(LABEL, numberedLinesScript(100));
    await waitFor("first lines", async () => (await api.allLogLines(hostId, busy)).length > 200, 60_000);
    const cloneDir = join(rig.dir, "clone-state");
    snapshot(agent, stateDir, cloneDir);
    const refusedBefore = (await health()).ingest.refusedAgents;
    const clone = rig.restartAgent(token, cloneDir);

    const host = await waitFor(
      () => `the conflict on the host\n${clone.output}`,
      async () => {
        const h = await api.host(hostId);
        return h.agentConflict?.active ? h : null;
      },
    );
    expect(host.online).toBe(true);
    expect(host.agentConflict?.refusedConnections).toBeGreaterThanOrEqual(1);
    expect((await health()).ingest.refusedAgents).toBeGreaterThan(refusedBefore);
    const hostsPage = await api.get<Host[]>("/api/hosts");
    expect(hostsPage.find((h) => h.id === hostId)?.agentConflict?.active).toBe(true);

    // While both run, only the original is stored: the busy container's lines exactly once.
    const twenty = await runTestContainer(LABEL, TWENTY_LINES);
    const twentyStored = await storedTexts(hostId, twenty, 20, () => `20 stored lines\n${agent.output}`);
    expect(twentyStored).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 1} of 20`));
    const writtenWhileBoth = await dockerLogLines(busy);
    const storedWhileBoth = await storedTexts(hostId, busy, writtenWhileBoth.length, () => agent.output);
    expect(storedWhileBoth.slice(0, writtenWhileBoth.length)).toEqual(writtenWhileBoth);
    expect(agent.running && clone.running).toBe(true);

    // The original goes away: the clone gets in on a later retry and what it sends is stored.
    await agent.kill("SIGTERM");
    const after = await runTestContainer(LABEL, 'echo "from the clone"; sleep 3600');
    const fromClone = await storedTexts(hostId, after, 1, () => `the clone's line\n${clone.output}`);
    await docker("kill", busy);
    const written = await dockerLogLines(busy);
    const busyStored = await storedTexts(hostId, busy, written.length, () => `every line\n${clone.output}`);
    recordFigure("two agents on one credential", {
      refusedConnections: (await api.host(hostId)).agentConflict?.refusedConnections ?? 0,
      linesWritten: written.length,
      linesStored: busyStored.length,
      distinctStored: new Set(busyStored).size,
    });
    expect(fromClone).toEqual(["from the clone"]);
    expect(new Set(busyStored)).toEqual(new Set(written));
    await clone.kill();
  }, 300_000);
});
