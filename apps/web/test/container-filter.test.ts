import type { ContainerView } from "@crowsnest/protocol";
import { describe, expect, it } from "vitest";
import { filterContainers, sortContainers } from "../src/lib/container-filter.ts";

const container = (name: string, patch: Partial<ContainerView>): ContainerView =>
  ({
    id: name.padEnd(64, "0"),
    hostId: "h1",
    names: [`/${name}`],
    image: "busybox:latest",
    state: "running",
    labels: {},
    latest: null,
    ...patch,
  }) as ContainerView;

const sample = (cpuPercent: number, memUsedBytes: number) =>
  ({ cpuPercent, memUsedBytes }) as NonNullable<ContainerView["latest"]>;

describe("the fleet table's filters and sort", () => {
  const all = [
    container("web", { labels: { tier: "front" }, latest: sample(5, 300) }),
    container("db", {
      labels: { tier: "back", "com.docker.dashboard.protected": "true" },
      latest: sample(50, 100),
    }),
    container("old", { state: "exited", image: "alpine:3", hostId: "h2" }),
  ];
  const none = { host: "", state: "", name: "", image: "", label: "" };
  const names = (list: ContainerView[]) => list.map((c) => c.names[0]);

  it("filters by host, state, name, image and label (key or key=value)", () => {
    expect(names(filterContainers(all, { ...none, host: "h2" }))).toEqual(["/old"]);
    expect(names(filterContainers(all, { ...none, state: "running" }))).toEqual(["/web", "/db"]);
    expect(names(filterContainers(all, { ...none, name: "WE" }))).toEqual(["/web"]);
    expect(names(filterContainers(all, { ...none, image: "alpine" }))).toEqual(["/old"]);
    expect(names(filterContainers(all, { ...none, label: "tier" }))).toEqual(["/web", "/db"]);
    expect(names(filterContainers(all, { ...none, label: "tier=back" }))).toEqual(["/db"]);
    expect(names(filterContainers(all, { ...none, label: "tier=" }))).toEqual([]);
  });

  it("sorts by CPU or memory with stopped containers last when descending", () => {
    const host = (id: string) => id;
    expect(names(sortContainers(all, { sort: "cpu", dir: "desc" }, host))).toEqual(["/db", "/web", "/old"]);
    expect(names(sortContainers(all, { sort: "mem", dir: "desc" }, host))).toEqual(["/web", "/db", "/old"]);
    expect(names(sortContainers(all, { sort: "name", dir: "asc" }, host))).toEqual(["/db", "/old", "/web"]);
  });
});
