import { type ContainerCounts, ContainerState } from "@crowsnest/protocol";

/** Every state present, so that the dashboard never has to guess a missing key. */
export function zeroCounts(): ContainerCounts {
  return Object.fromEntries(ContainerState.options.map((state) => [state, 0])) as ContainerCounts;
}
