import { type ContainerAction, PROTECTED_LABEL, type Role } from "@crowsnest/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthTestServer } from "../auth/support/auth-server.ts";
import {
  containerState,
  type DockerState,
  docker,
  removeTestContainers,
  requireDocker,
  runTestContainer,
  startedAt,
} from "../auth/support/docker.ts";
import { RealAgent, waitFor } from "../auth/support/real-agent.ts";

// The role × action table of DESIGN.md, end to end: real server, real agent, real Docker Engine.
// Every cell is checked three ways: the HTTP answer, the container's state in Docker afterwards,
// and the audit row(s) the attempt left.

//                       VIEWER  OPERATOR  OPERATOR+protected  ADMIN (either)
const TABLE: Record<ContainerAction, [boolean, boolean, boolean, boolean]> = {
  pause: [false, true, false, true],
  unpause: [false, true, true, true],
  stop: [false, true, false, true],
  start: [false, true, true, true],
  restart: [false, true, false, true],
  kill: [false, true, false, true],
  remove: [false, false, false, true],
};
const ORDER: ContainerAction[] = ["pause", "unpause", "stop", "start", "restart", "kill", "remove"];
/** The state each action is tried from, so that an allowed one has something to do. */
const BEFORE: Record<ContainerAction, DockerState> = {
  pause: "running",
  unpause: "paused",
  stop: "running",
  start: "exited",
  restart: "running",
  kill: "running",
  remove: "exited",
};
const AFTER: Record<ContainerAction, DockerState> = {
  pause: "paused",
  unpause: "running",
  stop: "exited",
  start: "running",
  restart: "running",
  kill: "exited",
  remove: "gone",
};

function allowed(role: Role, action: ContainerAction, prot: boolean): boolean {
  const row = TABLE[action];
  if (role === "VIEWER") return row[0];
  if (role === "OPERATOR") return prot ? row[2] : row[1];
  return row[3];
}

async function ensureState(id: string, want: DockerState): Promise<void> {
  let state = await containerState(id);
  if (state === want) return;
  if (state === "paused") await docker("unpause", id);
  state = await containerState(id);
  if (want === "exited" && state === "running") await docker("stop", "-t", "5", id);
  if ((want === "running" || want === "paused") && state !== "running") await docker("start", id);
  if (want === "paused") await docker("pause", id);
  expect(await containerState(id)).toBe(want);
}

let srv: AuthTestServer;
let agent: RealAgent;
let hostId: string;
const cookies = new Map<Role, string>();
const users = new Map<Role, string>();

beforeAll(async () => {
  await requireDocker();
  srv = await AuthTestServer.start();
  for (const role of ["ADMIN", "OPERATOR", "VIEWER"] as const) {
    const name = role.toLowerCase();
    users.set(role, (await srv.addUser(name, role)).id);
    cookies.set(role, await srv.login(name));
  }
  const enrolled = await srv.http("POST", "/api/hosts", {
    cookie: cookies.get("ADMIN"),
    body: { name: "docker-here" },
  });
  hostId = enrolled.body.host.id;
  agent = RealAgent.start(srv.wsUrl, enrolled.body.enrolmentToken);
  await agent.until("the agent to come online", () => srv.server.ctx.agents.isOnline(hostId));
});
afterAll(async () => {
  await agent?.dispose();
  await srv?.close();
  await removeTestContainers();
});

async function known(id: string): Promise<void> {
  await waitFor(
    `container ${id.slice(0, 12)} in the store`,
    async () => (await srv.store.containers.get(hostId, id)) !== null,
  );
}

function act(role: Role, host: string, id: string, action: string, options: object = {}) {
  return srv.http("POST", `/api/hosts/${host}/containers/${id}/actions`, {
    cookie: cookies.get(role),
    body: { action, options },
  });
}

async function auditFor(id: string) {
  const res = await srv.http("GET", `/api/audit?container=${id}&limit=500`, { cookie: cookies.get("ADMIN") });
  expect(res.status).toBe(200);
  return res.body.entries as {
    result: string;
    reason: string | null;
    action: string;
    username: string;
    role: Role;
    protected: boolean;
    containerName: string | null;
    clientAddress: string;
    hostId: string;
    userId: string;
  }[];
}

describe.each(["VIEWER", "OPERATOR", "ADMIN"] as const)("%s", (role) => {
  it.each([false, true])(
    "on a container with protected=%s: every action, as the table says",
    async (prot) => {
      const { id, name } = await runTestContainer(
        `auth-${role.toLowerCase()}-${prot ? "protected" : "plain"}`,
        prot ? { [PROTECTED_LABEL]: "true" } : {},
      );
      await known(id);
      for (const action of ORDER) {
        const cell = `${role} ${action} protected=${prot}`;
        await ensureState(id, BEFORE[action]);
        const started = await startedAt(id);
        const auditBefore = (await auditFor(id)).length;
        const res = await act(
          role,
          hostId,
          id,
          action,
          action === "stop" || action === "restart" ? { timeoutSeconds: 5 } : {},
        );
        const entries = await auditFor(id);
        const expectAllowed = allowed(role, action, prot);
        const common = {
          action,
          username: role.toLowerCase(),
          userId: users.get(role),
          role,
          hostId,
          protected: prot,
          containerName: name,
          clientAddress: expect.stringMatching(/127\.0\.0\.1/),
        };
        if (expectAllowed) {
          expect(res.status, cell).toBe(200);
          expect(res.body.outcome, cell).toMatchObject({ ok: true });
          // Docker answers a kill once the signal is sent; the state follows a moment later.
          await waitFor(
            `${cell}: ${AFTER[action]} in Docker`,
            async () => (await containerState(id)) === AFTER[action],
          );
          if (action === "restart") expect(await startedAt(id), cell).not.toBe(started);
          expect(entries.length - auditBefore, cell).toBe(2);
          expect(entries[1], cell).toMatchObject({ ...common, result: "allowed", reason: null });
          expect(entries[0], cell).toMatchObject({ ...common, result: "succeeded", reason: null });
        } else {
          expect(res.status, cell).toBe(403);
          expect(res.body.error.code, cell).toBe("forbidden");
          if (role === "OPERATOR" && prot && action !== "remove")
            expect(res.body.error.message).toMatch(/protected/);
          expect(await containerState(id), cell).toBe(BEFORE[action]);
          expect(entries.length - auditBefore, cell).toBe(1);
          expect(entries[0], cell).toMatchObject({
            ...common,
            result: "denied",
            reason: res.body.error.message,
          });
        }
      }
    },
  );
});
