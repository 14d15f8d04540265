import {
  type ContainerSpec,
  createContainer as create,
  removeLabelled,
  runContainer as run,
} from "../../../../test/support/containers.ts";

export { docker } from "../../../../test/support/docker-cli.ts";

/** The agent suite's containers carry this label, so cleanup touches only them. */
const TEST_LABEL = "crowsnest.test=agent";

type AgentContainerSpec = Omit<ContainerSpec, "label">;

export async function runContainer(spec: AgentContainerSpec): Promise<string> {
  return run({ label: TEST_LABEL, ...spec });
}

export async function createContainer(spec: AgentContainerSpec): Promise<string> {
  return create({ label: TEST_LABEL, ...spec });
}

export async function removeTestContainers(): Promise<void> {
  await removeLabelled(TEST_LABEL);
}
