import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeLabelled, runTestContainer } from "./support/containers.ts";
import { docker, dockerOutput, requireDockerEngine } from "./support/docker-cli.ts";

const LABEL = "crowsnest.test=foundation";

describe("the test machine's Docker Engine", () => {
  beforeAll(requireDockerEngine);
  afterAll(() => removeLabelled(LABEL));

  it("runs a container from the local test image and gives its logs back", async () => {
    const id = await runTestContainer(LABEL, "echo out-line; echo err-line >&2");
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    await docker("wait", id);
    const inspect = JSON.parse(await docker("inspect", id)) as [{ State: { ExitCode: number } }];
    expect(inspect[0].State.ExitCode).toBe(0);

    // `docker logs` replays the container's stdout on stdout and its stderr on stderr.
    const { stdout, stderr } = await dockerOutput("logs", id);
    expect(stdout.trim()).toBe("out-line");
    expect(stderr.trim()).toBe("err-line");

    await docker("rm", id);
    await expect(docker("inspect", id)).rejects.toThrow(/No such/);
  });
});
