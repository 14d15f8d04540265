import { LIMITS } from "@crowsnest/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { toContainerInfo } from "../src/docker/inspect.ts";
import { SocketEngine } from "../src/docker/socket-engine.ts";
import { removeTestContainers, runContainer } from "./helpers/docker.ts";

describe("the agent caps what the real Engine reports before sending it", () => {
  const engine = new SocketEngine({ kind: "unix", socketPath: "/var/run/docker.sock" });

  afterAll(async () => {
    engine.close();
    await removeTestContainers();
  });

  it("cuts a 9,000-char label and keeps the protected one among 600 labels", async () => {
    // Docker lists labels by key: "a.note" comes before the 600 others, the protected one after them.
    const labels = Array.from({ length: 600 }, (_, i) => ["--label", `many.${i}=v`]).flat();
    const id = await runContainer({
      args: [
        "--label",
        `a.note=${"x".repeat(9_000)}`,
        ...labels,
        "--label",
        "com.docker.dashboard.Protected=1",
      ],
      command: ["sleep", "3600"],
    });
    const info = toContainerInfo(await engine.inspectContainer(id));
    expect(Object.keys(info.labels)).toHaveLength(LIMITS.labelsPerContainer);
    expect(info.labels["com.docker.dashboard.Protected"]).toBe("1");
    expect(info.labels["a.note"]).toHaveLength(LIMITS.labelValueChars);
    expect(info.labels["a.note"]?.endsWith("…[cut from 9000 chars]")).toBe(true);
    expect(info.metadataNote).toContain('label "a.note" (9000 chars)');
  });
});
