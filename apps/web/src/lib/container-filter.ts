import type { ContainerView } from "@crowsnest/protocol";
import { containerName } from "./format.ts";

/** Container filters as kept in the URL; an empty string filters nothing. */
export interface ContainerFilter {
  state: string;
  name: string;
  image: string;
  /** `key` (the label is set) or `key=value`. */
  label: string;
}

/** The fleet table's query: the filters, a host, and the sort order. */
export interface ContainerQuery extends ContainerFilter {
  host: string;
  sort: string;
  dir: string;
}

export function filterContainers(
  all: readonly ContainerView[],
  q: ContainerFilter & { host?: string },
): ContainerView[] {
  const name = q.name.toLowerCase();
  const image = q.image.toLowerCase();
  const [labelKey, labelValue] = q.label.includes("=") ? q.label.split(/=(.*)/s) : [q.label, undefined];
  return all.filter((c) => {
    if (q.host && c.hostId !== q.host) return false;
    if (q.state && c.state !== q.state) return false;
    if (name && !containerName(c).toLowerCase().includes(name)) return false;
    if (image && !c.image.toLowerCase().includes(image)) return false;
    if (labelKey) {
      const v = c.labels[labelKey];
      if (v === undefined || (labelValue !== undefined && v !== labelValue)) return false;
    }
    return true;
  });
}

/** Sorts by name (then host), state, CPU or memory; stopped containers sort below any running one. */
export function sortContainers(
  list: readonly ContainerView[],
  q: Pick<ContainerQuery, "sort" | "dir">,
  hostName: (hostId: string) => string,
): ContainerView[] {
  const key = (c: ContainerView): number | string => {
    switch (q.sort) {
      case "cpu":
        return c.state === "running" ? (c.latest?.cpuPercent ?? 0) : -1;
      case "mem":
        return c.state === "running" ? (c.latest?.memUsedBytes ?? 0) : -1;
      case "state":
        return c.state;
      default:
        return `${containerName(c)} ${hostName(c.hostId)}`;
    }
  };
  const sign = q.dir === "desc" ? -1 : 1;
  return list
    .map((c) => ({ c, k: key(c) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) * sign)
    .map(({ c }) => c);
}
