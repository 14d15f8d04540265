import { type ContainerView, LIMITS } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "../support/api-client.ts";
import { createContainer, runContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { waitFor } from "../support/processes.ts";
import { Rig } from "../support/rig.ts";

const LABEL = "crowsnest.test=attacks-oversized-metadata";
const SLEEP = ["sleep", "3600"];
const CUT_9000 = "…[cut from 9000 chars]";

/** `--label` arguments: the 9,000-char value of issue 22, or `count` small labels. */
const longLabel = ["--label", `note=${"x".repeat(9_000)}`];
const manyLabels = (count: number) =>
  Array.from({ length: count }, (_, i) => ["--label", `many.${i}=v`]).flat();

describe("issue 22 §5: one container with oversized metadata (real Engine, real agent, real server)", () => {
  let rig: Rig;
  let api: ApiClient;

  beforeAll(async () => {
    rig = await Rig.start(LABEL);
    api = await rig.admin();
  });

  afterAll(async () => {
    await rig?.stop();
  });

  /** The host's containers once `present` are all listed and `absent` none. */
  function listed(hostId: string, present: string[], absent: string[] = [], output = () => "") {
    return waitFor(
      () => `${present.length} containers listed and ${absent.length} gone\n${output()}`,
      async () => {
        const list = await api.get<ContainerView[]>(`/api/hosts/${hostId}/containers`);
        const byId = new Map(list.map((c) => [c.id, c]));
        const done = present.every((id) => byId.has(id)) && absent.every((id) => !byId.has(id));
        return done ? byId : null;
      },
      60_000,
    );
  }

  it("lists it cut beside the protected container, and every container created or removed afterwards", async () => {
    const { hostId, token, stateDir, agent } = await rig.addAgent("oversized-host");
    await listed(hostId, []);

    // Started while the agent watches: they reach the server in events batches.
    const big = await runContainer({ label: LABEL, args: longLabel, command: SLEEP });
    const guarded = await runContainer({
      label: LABEL,
      args: ["--label", "com.docker.dashboard.protected=true"],
      command: SLEEP,
    });
    // 513 labels and more, the protected one spelled in another case among them.
    const crowded = await runContainer({
      label: LABEL,
      args: [...manyLabels(600), "--label", "com.docker.dashboard.Protected=true"],
      command: SLEEP,
    });
    const seen = await listed(hostId, [big, guarded, crowded], [], () => agent.output);

    const cut = seen.get(big);
    expect(cut?.labels.note).toHaveLength(LIMITS.labelValueChars);
    expect(cut?.labels.note?.endsWith(CUT_9000)).toBe(true);
    expect(cut?.metadataNote).toContain('label "note" (9000 chars)');
    expect(seen.get(guarded)?.labels["com.docker.dashboard.protected"]).toBe("true");
    expect(seen.get(guarded)?.protected).toBe(true);
    const many = seen.get(crowded);
    expect(Object.keys(many?.labels ?? {})).toHaveLength(LIMITS.labelsPerContainer);
    expect(many?.labels["com.docker.dashboard.Protected"]).toBe("true");
    expect(many?.protected).toBe(true);
    expect(many?.metadataNote).toContain("labels past 512 labels");

    // Created and removed after them: the events path still flows.
    const later = await createContainer({ label: LABEL, command: SLEEP });
    await listed(hostId, [later], [], () => agent.output);
    await docker("rm", "-f", guarded);
    await listed(hostId, [big, crowded, later], [guarded], () => agent.output);

    // A restarted agent sends them in its inventory snapshot: the whole list is taken.
    await agent.kill();
    await docker("rm", "-f", later);
    const restarted = rig.restartAgent(token, stateDir);
    const again = await listed(hostId, [big, crowded], [later], () => restarted.output);
    expect(again.get(big)?.labels.note?.endsWith(CUT_9000)).toBe(true);
    const next = await runContainer({ label: LABEL, command: SLEEP });
    await listed(hostId, [big, crowded, next], [later], () => restarted.output);
    expect(restarted.output).not.toContain("bad_frame");
    expect(agent.output).not.toContain("bad_frame");
  });
});
