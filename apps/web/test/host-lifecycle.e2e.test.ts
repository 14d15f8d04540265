/**
 * End-to-end, real Engine + server + agent + Chromium (issue 24, sections 1 and 2): the enrolment
 * form shows the URL the agent will dial, warns about a loopback or unencrypted one and remembers
 * the admin's choice; hosts show "waiting for first connection", "online", "offline since …" and
 * "revoked"; a lost token is re-issued and enrols a real agent; deleting a host asks what becomes
 * of its data. Screenshots at 1440×900 and 390×844 under test-artifacts/web/.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Host } from "@crowsnest/protocol";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboardIfStale, WEB_DIR } from "../../../scripts/dashboard-build.ts";
import { ApiClient } from "../../../test/support/api-client.ts";
import { launchChromium, loginPage } from "../../../test/support/browser.ts";
import { requireDockerEngine } from "../../../test/support/docker-cli.ts";
import {
  ADMIN_PASSWORD,
  type ManagedProcess,
  ServerProcess,
  startAgent,
  waitFor,
} from "../../../test/support/processes.ts";

const ARTIFACTS = resolve(import.meta.dirname, "../../../test-artifacts/web");
const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
];

describe("hosts: the agent URL, states, re-issued tokens and deletion", () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  let api: ApiClient;
  let page: Page;
  const agents: ManagedProcess[] = [];

  const row = (name: string): Locator => page.locator(`[data-testid="hosts-row"][data-host="${name}"]`);
  const stateOf = (name: string) => row(name).getByTestId("host-state");
  const hostNamed = async (name: string) =>
    (await api.get<Host[]>("/api/hosts?include=deleted")).find((h) => h.name === name) as Host;

  async function screenshots(name: string): Promise<void> {
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${size.name}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  }

  async function enrol(name: string): Promise<void> {
    await page.getByTestId("enrol-name").fill(name);
    await page.getByTestId("enrol-submit").click();
    await page
      .getByTestId("enrolment")
      .getByRole("heading", { name: `Enrolment for ${name}` })
      .waitFor();
  }

  /** The token in the enrolment card's command, and dismisses the card. */
  async function tokenShown(): Promise<string> {
    const token = await page.getByTestId("enrolment-token").inputValue();
    await page.getByTestId("enrolment-dismiss").click();
    return token;
  }

  beforeAll(async () => {
    await requireDockerEngine();
    buildDashboardIfStale((message) => console.log(message));
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "crowsnest-web-hosts-"));
    server = await ServerProcess.start({
      dataDir,
      env: { CROWSNEST_WEB_DIR: WEB_DIR, CROWSNEST_HEARTBEAT_MS: "1000" },
    });
    api = await ApiClient.login(server.baseUrl, "admin", ADMIN_PASSWORD);
    browser = await launchChromium();
    page = await loginPage(browser, server.baseUrl, "admin", ADMIN_PASSWORD, "/admin/hosts", {
      width: 1440,
      height: 900,
    });
  }, 300_000);

  afterAll(async () => {
    for (const agent of agents) await agent.kill("SIGTERM");
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("shows the URL the agent will dial, warns about it, and remembers the admin's choice", async () => {
    const url = page.getByTestId("enrol-agent-url");
    await expect.poll(() => url.inputValue()).toBe(server.agentUrl);
    expect(await page.getByTestId("enrol-agent-url-source").textContent()).toContain("guessed");
    const warning = page.getByTestId("enrol-warnings").locator('[data-code="loopback"]');
    expect(await warning.textContent()).toContain("127.0.0.1 is the machine the agent runs on");
    await screenshots("hosts-agent-url-loopback");

    await url.fill("ws://10.1.2.3:8080/ws/agent");
    await page.getByTestId("enrol-warnings").locator('[data-code="unencrypted"]').waitFor();
    await url.fill("https://nope");
    expect(await page.getByTestId("enrol-agent-url-error").textContent()).toContain("ws:// or wss://");
    expect(await page.getByTestId("enrol-submit").isDisabled()).toBe(true);

    await url.fill("wss://crowsnest.example.com/ws/agent");
    expect(await page.getByTestId("enrol-warnings").count()).toBe(0);
    await enrol("edge-remote");
    expect(await page.getByTestId("enrolment-agent-url").textContent()).toBe(
      "wss://crowsnest.example.com/ws/agent",
    );
    // The ways to run the agent as tabs, docker run first, each with the URL and the token filled in.
    const token = await page.getByTestId("enrolment-token").inputValue();
    const command = page.getByTestId("enrolment-command");
    const dialed = "wss://crowsnest.example.com/ws/agent";
    const expected = {
      docker: [
        `CROWSNEST_SERVER_URL=${dialed} CROWSNEST_TOKEN=${token} `,
        "docker run -d",
        "crowsnest-agent:latest",
      ],
      compose: [
        `CROWSNEST_SERVER_URL: ${dialed}`,
        `CROWSNEST_TOKEN: ${token}`,
        "image: crowsnest-agent:latest",
      ],
      systemd: [`printf '%s\\n' ${token} | bash deploy/install-agent.sh --server-url ${dialed}`],
      npm: [`CROWSNEST_TOKEN=${token} npm run agent -- --server-url ${dialed} `],
    };
    expect(await command.getAttribute("data-way")).toBe("docker");
    for (const [way, parts] of Object.entries(expected)) {
      await page.getByTestId(`enrolment-way-${way}`).click();
      expect(await page.getByTestId(`enrolment-way-${way}`).getAttribute("aria-selected")).toBe("true");
      const text = await command.inputValue();
      for (const part of parts) expect(text).toContain(part);
      if (way === "compose") await screenshots("hosts-enrolment-compose");
    }
    expect(await page.getByTestId("enrolment-warnings").count()).toBe(0);
    await tokenShown();

    // Remembered, server-side: a fresh page offers it as the default.
    await page.reload();
    await expect.poll(() => url.inputValue()).toBe("wss://crowsnest.example.com/ws/agent");
    expect(await page.getByTestId("enrol-agent-url-source").textContent()).toContain("saved");
    // Back to this machine's address for the real agents below: enrolled with the warning shown.
    await url.fill(server.agentUrl);
    await enrol("edge-local");
    expect(await page.getByTestId("enrolment-warnings").textContent()).toContain("127.0.0.1");
    await tokenShown();
  });

  it("refuses a name taken in another case", async () => {
    await page.getByTestId("enrol-name").fill("EDGE-LOCAL");
    await page.getByTestId("enrol-submit").click();
    await expect.poll(() => page.getByTestId("hosts-message").textContent()).toContain("exists already");
  });

  it("shows waiting, online, offline since and revoked; a re-issued token enrols a real agent", async () => {
    expect(await stateOf("edge-local").textContent()).toBe("waiting for first connection");
    // The token shown was lost: a new one, from the row.
    await row("edge-local").getByTestId("host-reissue").click();
    await row("edge-local").getByTestId("confirm-yes").click();
    await page.getByTestId("enrolment").waitFor();
    await screenshots("hosts-reissued-token");
    const token = await tokenShown();

    const hostId = (await hostNamed("edge-local")).id;
    const agent = startAgent({ serverUrl: server.agentUrl, token, stateDir: join(dataDir, "agent-local") });
    agents.push(agent);
    await waitFor(
      () => `edge-local online\n${agent.output}`,
      async () => (await api.host(hostId)).state === "online",
    );
    await page.reload();
    await expect.poll(() => stateOf("edge-local").textContent()).toBe("online");
    expect(await row("edge-local").getByTestId("host-reissue").count()).toBe(0);

    await agent.kill("SIGTERM");
    await waitFor("edge-local offline", async () => (await api.host(hostId)).state === "offline");
    await page.reload();
    await expect.poll(() => stateOf("edge-local").textContent()).toMatch(/^offline since /);

    await enrol("edge-revoked");
    await tokenShown();
    await row("edge-revoked").getByTestId("host-revoke").click();
    await row("edge-revoked").getByTestId("confirm-yes").click();
    await expect.poll(() => stateOf("edge-revoked").textContent()).toBe("revoked");
    expect(await row("edge-revoked").getByTestId("host-reissue").count()).toBe(1);
    expect(await stateOf("edge-remote").textContent()).toBe("waiting for first connection");
    await screenshots("hosts-states");

    // The fleet page shows the same states on its host cards.
    await page.goto(`${server.baseUrl}/fleet`);
    const card = page.locator('[data-testid="host-card"][data-host="edge-revoked"]');
    await expect.poll(() => card.getByTestId("host-state").textContent()).toBe("revoked");
    await page.goto(`${server.baseUrl}/admin/hosts`);
  });

  it("deletes a host after asking what becomes of its data", async () => {
    await row("edge-local").getByTestId("host-delete").click();
    const confirm = row("edge-local").getByTestId("confirm");
    expect(await confirm.textContent()).toContain("keep its containers, metrics and logs readable");
    await screenshots("hosts-delete-confirm");
    await confirm.getByTestId("confirm-yes").click();
    await expect.poll(() => stateOf("edge-local").textContent()).toBe("deleted");
    expect((await hostNamed("edge-local")).deletedAt).not.toBeNull();

    await row("edge-local").getByTestId("host-delete").click();
    expect(await row("edge-local").getByTestId("confirm").textContent()).toContain("for good");
    await row("edge-local").getByTestId("confirm-yes").click();
    await expect.poll(() => row("edge-local").count()).toBe(0);
    expect(await hostNamed("edge-local")).toBeUndefined();

    await row("edge-revoked").getByTestId("host-delete").click();
    await row("edge-revoked").getByTestId("host-delete-data-delete").check();
    await row("edge-revoked").getByTestId("confirm-yes").click();
    await expect.poll(() => row("edge-revoked").count()).toBe(0);
    const audit = await api.get<{ entries: { target: string; detail: string }[] }>(
      "/api/audit?category=host&action=host.delete",
    );
    expect(audit.entries.map((e) => [e.target, e.detail])).toEqual([
      ["edge-revoked", "its data deleted"],
      ["edge-local", "its data deleted"],
      ["edge-local", "its data kept"],
    ]);
  });
});
