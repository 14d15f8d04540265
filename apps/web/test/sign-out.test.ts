import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/** lib/api as a page loads it: its sign-out guard is module state, fresh in each test. */
type Api = typeof import("../src/lib/api.ts");
let api: Api;

/** A stand-in for `window.location` that records where the page was sent. */
function stubLocation(pathname: string) {
  const assigned: string[] = [];
  const loc = {
    protocol: "http:",
    host: "127.0.0.1:8080",
    pathname,
    search: "?range=1h",
    assign: (u: string) => assigned.push(u),
  };
  (globalThis as { location?: unknown }).location = loc;
  return assigned;
}

beforeEach(async () => {
  vi.resetModules();
  api = await import("../src/lib/api.ts");
});

afterEach(() => {
  delete (globalThis as { location?: unknown }).location;
});

describe("a deliberate sign-out", () => {
  it("goes to /login alone, however many 401s the ended session causes, during it or after", async () => {
    const assigned = stubLocation("/fleet/h/c");
    await api.signOut(async () => {
      api.redirectToLogin();
      api.redirectToLogin();
    });
    // The live socket's own check of the session often answers after the sign-out did.
    api.redirectToLogin();
    expect(assigned).toEqual(["/login"]);
  });

  it("goes to /login when the session had already ended (the server answers 401)", async () => {
    const assigned = stubLocation("/fleet/h/c");
    await api.signOut(async () => {
      throw new api.HttpError(401, "unauthorized", "Sign in first");
    });
    expect(assigned).toEqual(["/login"]);
  });

  it("lifts the guard when the server refuses, so a later 401 still sends the user to log in", async () => {
    const assigned = stubLocation("/fleet/h/c");
    await expect(
      api.signOut(async () => {
        throw new api.HttpError(500, "internal", "Database is locked");
      }),
    ).rejects.toThrow("Database is locked");
    expect(assigned).toEqual([]);
    api.redirectToLogin();
    expect(assigned).toEqual(["/login?next=%2Ffleet%2Fh%2Fc%3Frange%3D1h"]);
  });
});
