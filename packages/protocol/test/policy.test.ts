import { describe, expect, it } from "vitest";
import { ContainerAction, decideContainerAction, Role } from "../src/index.ts";

// DESIGN.md's role × action table, written out cell by cell rather than derived, so that a
// change to the policy code that disagrees with the design shows up here.
//                     VIEWER  OPERATOR  OPERATOR+protected  ADMIN  ADMIN+protected
const TABLE: Record<ContainerAction, [boolean, boolean, boolean, boolean, boolean]> = {
  start: [false, true, true, true, true],
  unpause: [false, true, true, true, true],
  stop: [false, true, false, true, true],
  restart: [false, true, false, true, true],
  kill: [false, true, false, true, true],
  pause: [false, true, false, true, true],
  remove: [false, false, false, true, true],
};

describe("role × action policy", () => {
  const cells = ContainerAction.options.flatMap((action) =>
    Role.options.flatMap((role) => [false, true].map((prot) => ({ action, role, prot }))),
  );

  it("covers every role, action and protection", () => {
    expect(cells).toHaveLength(7 * 3 * 2);
    expect(Object.keys(TABLE).sort()).toEqual([...ContainerAction.options].sort());
  });

  it.each(cells)("$role $action protected=$prot", ({ action, role, prot }) => {
    const row = TABLE[action];
    const expected =
      role === "VIEWER" ? row[0] : role === "OPERATOR" ? (prot ? row[2] : row[1]) : prot ? row[4] : row[3];
    const decision = decideContainerAction(role, action, { protected: prot });
    expect(decision.allowed).toBe(expected);
    if (!decision.allowed) expect(decision.reason).toMatch(/\w{5,}/);
  });

  it("names the protection as the reason when it is what denies an OPERATOR", () => {
    const decision = decideContainerAction("OPERATOR", "stop", { protected: true });
    expect(decision).toEqual({ allowed: false, reason: expect.stringContaining("protected") });
  });
});
