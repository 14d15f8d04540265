import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgent } from "../../../scripts/build-agent.ts";
import { AgentProcess, tempStateDir } from "./helpers/agent-process.ts";
import { FakeServer } from "./helpers/fake-server.ts";

const TOKEN = "tls-test-token-0123456789abcdef01234";

/** A throwaway self-signed certificate for 127.0.0.1, which no system trust store knows. */
async function selfSigned(dir: string): Promise<{ cert: string; key: string; certFile: string }> {
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    "/CN=crowsnest-test",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
    "-days",
    "1",
    "-keyout",
    keyFile,
    "-out",
    certFile,
  ]);
  return { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8"), certFile };
}

describe("wss:// with a CA file", () => {
  let server: FakeServer;
  let certFile: string;
  const agents: AgentProcess[] = [];

  beforeAll(async () => {
    const dir = await tempStateDir();
    const tls = await selfSigned(dir);
    certFile = tls.certFile;
    server = new FakeServer({ token: TOKEN, tls });
    await server.start();
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await server.stop();
  });

  it("does not trust an unknown certificate, and says so", async () => {
    const agent = AgentProcess.start({ serverUrl: server.url, token: TOKEN, stateDir: await tempStateDir() });
    agents.push(agent);
    await server.waitFor(() => agent.stderr.includes("self-signed certificate"));
    expect(server.received).toEqual([]);
    await agent.stop();
  });

  it("connects when --ca-file names the server's CA", async () => {
    const agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      extra: ["--ca-file", certFile],
    });
    agents.push(agent);
    await server.waitFor(() => server.received.find((m) => m.type === "inventory"));
  });

  // The one-file build loads node:tls and node:https on first use only (scripts/build-agent.ts).
  it("connects from the one-file build too, when --ca-file names the server's CA", async () => {
    const before = server.received.length;
    const agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      extra: ["--ca-file", certFile],
      entry: await buildAgent(),
    });
    agents.push(agent);
    await server.waitFor(() => server.received.slice(before).find((m) => m.type === "inventory"));
  });

  it("exits with 2 when the CA file is not a certificate", async () => {
    const agent = AgentProcess.start({
      serverUrl: server.url,
      token: TOKEN,
      stateDir: await tempStateDir(),
      extra: ["--ca-file", "/etc/hostname"],
    });
    expect(await agent.exit()).toBe(2);
    expect(agent.stderr).toContain("--ca-file");
  });
});
