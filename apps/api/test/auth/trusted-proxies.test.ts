import { afterEach, describe, expect, it } from "vitest";
import { AuthTestServer } from "./support/auth-server.ts";

// Behind a reverse proxy every request comes from the proxy's address: the per-address login
// throttle must see the client the proxy names, and only when the proxy is one the admin trusts.
let srv: AuthTestServer | undefined;
afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

async function sprayFrom(server: AuthTestServer, forwardedFor: string): Promise<void> {
  const { maxFailuresPerAddress } = server.config.auth.loginThrottle;
  for (let i = 1; i <= maxFailuresPerAddress; i++) {
    const res = await server.http("POST", "/api/auth/login", {
      headers: { "x-forwarded-for": forwardedFor },
      body: { username: `sprayed-${i}`, password: "guess-guess" },
    });
    expect(res.status, `attempt ${i}`).toBe(401);
  }
}

async function loginFrom(server: AuthTestServer, forwardedFor: string): Promise<number> {
  const res = await server.http("POST", "/api/auth/login", {
    headers: { "x-forwarded-for": forwardedFor },
    body: { username: "bystander", password: "bystander-password" },
  });
  return res.status;
}

describe("trusted proxies", () => {
  it("throttles the client a trusted proxy names, and lets the proxy's other clients in", async () => {
    srv = await AuthTestServer.start({ trustedProxies: ["127.0.0.1"] });
    await srv.addUser("bystander", "VIEWER");
    await sprayFrom(srv, "203.0.113.5");
    expect(await loginFrom(srv, "203.0.113.5")).toBe(429);
    expect(await loginFrom(srv, "203.0.113.6")).toBe(200);
  });

  it("ignores X-Forwarded-For from a peer nobody trusts, so a spoofed header dodges nothing", async () => {
    srv = await AuthTestServer.start();
    await srv.addUser("bystander", "VIEWER");
    await sprayFrom(srv, "203.0.113.5");
    expect(await loginFrom(srv, "203.0.113.6")).toBe(429);
  });
});
