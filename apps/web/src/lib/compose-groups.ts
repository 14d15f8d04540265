import type { ContainerView } from "@crowsnest/protocol";
import { containerName } from "./format.ts";

/** Containers by compose project, projects by name, standalone containers (project "") last. */
export function groupByProject(list: readonly ContainerView[]): [string, ContainerView[]][] {
  const by = new Map<string, ContainerView[]>();
  for (const c of list) {
    const project = c.composeProject ?? "";
    by.set(project, [...(by.get(project) ?? []), c]);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)))
    .map(([project, cs]) => [project, cs.sort((a, b) => containerName(a).localeCompare(containerName(b)))]);
}
