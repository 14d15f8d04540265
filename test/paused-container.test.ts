import { join } from "node:path";
import type { ContainerView } from "@crowsnest/protocol";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "./support/api-client.ts";
import { launchChromium, loginPage } from "./support/browser.ts";
import { runTestContainer } from "./support/containers.ts";
import { docker } from "./support/docker-cli.ts";
import { ADMIN_PASSWORD, ROOT, waitFor } from "./support/processes.ts";
import { Rig } from "./support/rig.ts";

const LABEL = "crowsnest.test=paused-container";
const PROTECTED = "com.docker.dashboard.protected=true";
const OPERATOR_PASSWORD = "operator-password-for-tests";
const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** `docker stats --no-stream` for one container: CPU % and used memory in bytes. */
async function dockerStats(id: string): Promise<{ cpu: number; mem: number }> {
  const [cpu = "", used = ""] = (
    await docker("stats", "--no-stream", "--format", "{{.CPUPerc}}|{{.MemUsage}}", id)
  )
    .split(/\||\s\/\s/)
    .map((s) => s.trim());
  const match = /^([\d.]+)([KMG]?i?B)$/.exec(used);
  if (match === null) throw new Error(`unexpected memory from docker stats: ${used}`);
  return { cpu: Number.parseFloat(cpu), mem: Number(match[1]) * (UNITS[match[2] ?? "B"] ?? 1) };
}

// Issue 23, section 4: real server, real agent, real Docker Engine, and the page in Chromium.
describe("a paused container", () => {
  let rig: Rig;
  let browser: Browser;
  let admin: ApiClient;
  let operator: ApiClient;
  let hostId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    rig = await Rig.start(LABEL, { serverEnv: { CROWSNEST_WEB_DIR: join(ROOT, "apps", "web") } });
    ({ hostId } = await rig.addAgent("paused-host"));
    admin = await rig.admin();
    await admin.post("/api/users", { username: "operator1", password: OPERATOR_PASSWORD, role: "OPERATOR" });
    operator = await ApiClient.login(rig.server.baseUrl, "operator1", OPERATOR_PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  const view = (id: string) => admin.get<ContainerView>(`/api/hosts/${hostId}/containers/${id}`);
  const dockerState = (id: string) => docker("inspect", "--format", "{{.State.Status}}", id);

  /** A container that sleeps, paused, once the server shows it paused. */
  async function pausedSleeper(...args: string[]): Promise<string> {
    const id = await runTestContainer(LABEL, "sleep 1000", args);
    await docker("pause", id);
    await waitFor(
      "the server to show it paused",
      async () => (await view(id).catch(() => null))?.state === "paused",
    );
    return id;
  }

  function act(client: ApiClient, id: string, action: string, options: object) {
    return fetch(`${rig.server.baseUrl}/api/hosts/${hostId}/containers/${id}/actions`, {
      method: "POST",
      headers: { cookie: client.cookie, origin: rig.server.baseUrl, "content-type": "application/json" },
      body: JSON.stringify({ action, options }),
    });
  }

  it("reads 0 % CPU when its busy loop is paused, and its memory as docker stats does", async () => {
    const id = await runTestContainer(LABEL, "while :; do :; done", ["--cpus", "0.5"]);
    await waitFor(
      "the busy loop to read busy",
      async () => ((await view(id).catch(() => null))?.latest?.cpuPercent ?? 0) > 5,
    );
    await docker("pause", id);
    // A whole sampling round after the pause: its CPU delta lies entirely in the paused time.
    const pausedAt = Date.now() + 1_000;
    const latest = await waitFor("a sample taken while paused", async () => {
      const v = await view(id);
      return v.state === "paused" && v.latest !== null && v.latest.t > pausedAt ? v.latest : null;
    });
    const cli = await dockerStats(id);
    expect(cli.cpu).toBe(0);
    expect(latest.cpuPercent).toBe(0);
    // docker stats prints three significant figures.
    expect(Math.abs(latest.memUsedBytes - cli.mem)).toBeLessThanOrEqual(Math.max(cli.mem * 0.1, 256 * 1024));
  });

  it.each([
    ["stop", { timeoutSeconds: 0 }, "exited"],
    ["kill", {}, "exited"],
    ["restart", { timeoutSeconds: 0 }, "running"],
  ] as const)(
    "%s: done for an OPERATOR (not protected) and an ADMIN (protected), refused to an OPERATOR when protected",
    async (action, options, after) => {
      const open = await pausedSleeper();
      const guarded = await pausedSleeper("--label", PROTECTED);

      const refused = await act(operator, guarded, action, options);
      expect(refused.status, await refused.text()).toBe(403);
      expect(await dockerState(guarded)).toBe("paused");

      for (const [client, id] of [
        [operator, open],
        [admin, guarded],
      ] as const) {
        const res = await act(client, id, action, options);
        expect(res.status, await res.text()).toBe(200);
        expect(await dockerState(id)).toBe(after);
      }
    },
  );

  it("offers stop, kill and restart in the page, and not pause or start", async () => {
    const id = await pausedSleeper();
    const path = `/fleet/${encodeURIComponent(hostId)}/${id}`;
    const page = await loginPage(browser, rig.server.baseUrl, "admin", ADMIN_PASSWORD, path);
    for (const action of ["stop", "kill", "restart", "unpause"]) {
      await expect
        .poll(() => page.getByTestId(`action-${action}`).isEnabled(), { timeout: 30_000 })
        .toBe(true);
    }
    for (const action of ["pause", "start"]) {
      expect(await page.getByTestId(`action-${action}`).isDisabled()).toBe(true);
    }
    await page.getByTestId("action-stop").click();
    await page.getByRole("button", { name: "Yes, stop" }).click();
    await waitFor("the container to stop", async () => (await dockerState(id)) === "exited", 30_000);
    await page.context().close();
  });
});
