import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOutput, requireDockerEngine, TEST_IMAGE } from "./support/docker-cli.ts";

const LABEL = "crowsnest.test=foundation";

describe("the test machine's Docker Engine", () => {
  beforeAll(requireDockerEngine);
  afterAll(async () => {
    const ids = (await docker("ps", "-aq", "--filter", `label=${LABEL}`)).split("\n").filter(Boolean);
    if (ids.length > 0) await docker("rm", "-f", ...ids);
  });

  it("runs a container from the local test image and gives its logs back", async () => {
    const id = (
      await docker(
        "run",
        "-d",
        "--pull",
        "never",
        "--network",
        "none",
        "--label",
        LABEL,
        TEST_IMAGE,
        "sh",
        "-c",
        "echo out-line; echo err-line >&2",
      )
    ).trim();
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
