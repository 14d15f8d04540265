import type { ContainerView } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../support/api-client.ts";
import { runContainer } from "../support/containers.ts";
import { docker } from "../support/docker-cli.ts";
import { waitFor } from "../support/processes.ts";
import { HOSTILE_PROTECTED_LABELS } from "../support/protected-labels.ts";
import { Rig } from "../support/rig.ts";

const LABEL = "crowsnest.test=attack-protected-label";
const OPERATOR_PASSWORD = "operator-password-for-tests";

// Issue 22, finding 7: a protected label spelled other than `=true` in lower case let an
// OPERATOR stop and pause the container. Real server, real agent, real Docker Engine.
describe("the protected label, however it is spelled", () => {
  let rig: Rig;
  let admin: ApiClient;
  let operator: ApiClient;
  let hostId: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    rig = await Rig.start(LABEL);
    ({ hostId } = await rig.addAgent("protected-label-host"));
    admin = await rig.admin();
    const created = await fetch(`${rig.server.baseUrl}/api/users`, {
      method: "POST",
      headers: { cookie: admin.cookie, origin: rig.server.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ username: "operator1", password: OPERATOR_PASSWORD, role: "OPERATOR" }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    operator = await ApiClient.login(rig.server.baseUrl, "operator1", OPERATOR_PASSWORD);
    for (const label of HOSTILE_PROTECTED_LABELS) {
      ids.set(
        label,
        await runContainer({ label: LABEL, args: ["--label", label], command: ["sleep", "1000"] }),
      );
    }
    await waitFor(
      "every container reported by the agent",
      async () => {
        const list = await admin.get<ContainerView[]>(`/api/hosts/${hostId}/containers`);
        return [...ids.values()].every((id) => list.some((c) => c.id === id));
      },
      60_000,
    );
  });

  afterAll(async () => {
    await rig?.stop();
  });

  function act(client: ApiClient, id: string, action: string, options: object = {}) {
    return fetch(`${rig.server.baseUrl}/api/hosts/${hostId}/containers/${id}/actions`, {
      method: "POST",
      headers: { cookie: client.cookie, origin: rig.server.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ action, options }),
    });
  }

  it.each(HOSTILE_PROTECTED_LABELS)("--label %s: an OPERATOR's stop and pause are refused", async (label) => {
    const id = ids.get(label) ?? "";
    const view = await operator.get<ContainerView>(`/api/hosts/${hostId}/containers/${id}`);
    expect(view.protected).toBe(true);
    for (const [action, options] of [
      ["stop", { timeoutSeconds: 0 }],
      ["pause", {}],
    ] as const) {
      const res = await act(operator, id, action, options);
      const body = await res.text();
      expect(res.status, `${action}: ${body}`).toBe(403);
      expect(JSON.parse(body)).toMatchObject({
        error: { code: "forbidden", message: expect.stringMatching(/protected/) },
      });
      expect(await docker("inspect", "--format", "{{.State.Status}}", id)).toBe("running");
    }
  });

  it("records each refusal as denied on a protected container", async () => {
    const id = ids.get(HOSTILE_PROTECTED_LABELS[0] ?? "") ?? "";
    const { entries } = await admin.get<{
      entries: { action: string; result: string; protected: boolean }[];
    }>(`/api/audit?container=${id}`);
    expect(
      entries
        .filter((e) => e.result === "denied")
        .map((e) => [e.action, e.protected])
        .sort(),
    ).toEqual([
      ["pause", true],
      ["stop", true],
    ]);
  });

  it("still lets an ADMIN pause and unpause it", async () => {
    const id = ids.get("com.docker.dashboard.Protected=true") ?? "";
    expect((await act(admin, id, "pause")).status).toBe(200);
    expect(await docker("inspect", "--format", "{{.State.Status}}", id)).toBe("paused");
    expect((await act(admin, id, "unpause")).status).toBe(200);
    expect(await docker("inspect", "--format", "{{.State.Status}}", id)).toBe("running");
  });
});
