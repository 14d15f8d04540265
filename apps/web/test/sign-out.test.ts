import { afterEach, describe, expect, it } from "vitest";
import { redirectToLogin, signOut } from "../src/lib/api.ts";

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

afterEach(() => {
  delete (globalThis as { location?: unknown }).location;
});

describe("a deliberate sign-out", () => {
  it("goes to /login alone, however many 401s the ended session causes meanwhile", async () => {
    const assigned = stubLocation("/fleet/h/c");
    await signOut(async () => {
      redirectToLogin();
      redirectToLogin();
    });
    expect(assigned).toEqual(["/login"]);
  });

  it("lifts the guard when the server refuses, so a later 401 still sends the user to log in", async () => {
    const assigned = stubLocation("/fleet/h/c");
    await expect(
      signOut(async () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(assigned).toEqual([]);
    redirectToLogin();
    expect(assigned).toEqual(["/login?next=%2Ffleet%2Fh%2Fc%3Frange%3D1h"]);
  });
});
