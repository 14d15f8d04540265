import { HOST_COST_PNG } from "./charts.ts";
import { cell, num, ratio, table } from "./format.ts";
import type { WatcherCost } from "./summaries.ts";
import { type Point, svgChart } from "./svg-chart.ts";

/** Figures 1 and 2 of BENCHMARKS.md: host cost per tool, and the agent's collection paths. */
export function hostCostSection(costs: WatcherCost[], pngDir: string): string[] {
  const compared = costs.filter((c) => ["crowsnest", "docker stats", "netdata"].includes(c.watcher));
  const crowsnestAt = (n: number) => costs.find((c) => c.watcher === "crowsnest" && c.containers === n);
  const rows = compared.map((c) => {
    const base = crowsnestAt(c.containers);
    return [
      String(c.containers),
      num(c.others.median, 0),
      c.watcher,
      cell(c.watcherCpu),
      ratio(c.watcherCpu.median, base?.watcherCpu.median ?? Number.NaN),
      cell(c.extraDockerdCpu),
      cell(c.extraContainerdCpu),
      cell(c.totalCpu),
      ratio(c.totalCpu.median, base?.totalCpu.median ?? Number.NaN),
      cell(c.rssMiB),
      ratio(c.rssMiB.median, base?.rssMiB.median ?? Number.NaN),
    ];
  });
  const failures = compared.flatMap((c) => c.failures.map((f) => `- ${c.watcher} at ${c.containers}: ${f}`));
  return [
    "## 1. Host cost of watching N idle containers (1 s interval)",
    "",
    ...headline(costs),
    "CPU in % of one core, averaged over each measured window (6 s after 1 s of warm-up; 4 s with",
    "`--quick`); _extra_ dockerd/containerd is that daemon's CPU with the watcher running minus its",
    "CPU with no watcher, measured in the same round. It can come out negative: dockerd and",
    "containerd also serve every other suite using this Engine, and that load moves between",
    "windows. _total_ = watcher + extra dockerd + extra containerd, a negative extra counted as 0",
    "(a watcher cannot make the daemons work less). Ratios are each tool's median over Crowsnest's",
    "(– when Crowsnest's is not positive). Every watcher sees every running container: the",
    "harness's N plus the _others_ column. The watcher's own CPU is measured exactly; the extra",
    "daemon CPU is the noisy part: read the totals at small N with their spread.",
    "",
    ...inotifyNote(compared),
    table(
      [
        "N",
        "others",
        "watcher",
        "watcher CPU %",
        "watcher CPU vs Crowsnest",
        "extra dockerd %",
        "extra containerd %",
        "total CPU %",
        "total vs Crowsnest",
        "peak RSS MiB",
        "RSS vs Crowsnest",
      ],
      rows,
    ),
    ...(failures.length > 0 ? ["", "Runs that failed:", "", ...failures] : []),
    "",
    `![CPU against container count](${pngDir}/${HOST_COST_PNG})`,
    "",
  ];
}

export function pathsSection(costs: WatcherCost[]): string[] {
  const paths = costs.filter(
    (c) =>
      c.watcher.startsWith("crowsnest") &&
      costs.some((o) => o.containers === c.containers && o.watcher === "crowsnest (stats API stream)"),
  );
  const label = (w: string) =>
    w === "crowsnest"
      ? "cgroup files (`--stats-source auto`)"
      : w === "crowsnest (stats API stream)"
        ? "stats API stream (`api`)"
        : "stats API one-shot (`api-oneshot`)";
  return [
    "## 2. Collection paths (same agent, switched by `--stats-source`, 1 s)",
    "",
    "CPU-seconds per 1,000 container samples delivered to the server: the agent's own, and with the",
    "extra dockerd + containerd CPU it caused. Sample age = arrival at the server minus the sample's",
    "reading time (cgroup: when the agent read the files; stats API: the daemon's `read` time); it",
    "includes the agent's outbox, which sends what it has at most 250 ms after the first item waits.",
    "A path that cannot read every running container (N + others) within the 1 s interval delivers",
    "fewer samples per second than there are containers: the Sampler skips a round while the last",
    "one is still running (one-shot), or the daemon's own 1 s stats loop falls behind (stream).",
    "",
    table(
      [
        "N",
        "path",
        "samples/s",
        "agent CPU-s / 1k samples",
        "agent + daemons CPU-s / 1k samples",
        "sample age p50 ms",
        "sample age p99 ms",
        "agent RSS MiB",
      ],
      paths.map((c) => [
        String(c.containers),
        label(c.watcher),
        cell(c.samplesPerSecond, 0),
        cell(c.cpuSecondsPer1000, 3),
        cell(c.totalCpuSecondsPer1000, 3),
        cell(c.sampleAgeP50Ms, 0),
        cell(c.sampleAgeP99Ms, 0),
        cell(c.rssMiB),
      ]),
    ),
    "",
  ];
}

/** How the other tools were run, so that the comparison can be judged. */
export function comparedToolsNote(): string[] {
  return [
    "Netdata runs as Debian packages it, with a config the harness writes: the cgroups collector at",
    "`update every = 1`, v1 controllers (`use unified cgroups = no`), RAM database, web API on loopback",
    "only (used to wait until it charts every container), health, ML, registry and every other",
    "collector off. A default Netdata also runs proc, apps.plugin and more, and costs more than shown.",
    "Netdata names each new container with a `docker inspect` and probes its network, one container",
    "at a time (about two minutes for 200 here), so it is started once per N and its runs are",
    "consecutive windows of that one process; the other watchers are restarted for every run.",
    "`docker stats` is the plain CLI left open on all containers, output discarded. The Crowsnest agent",
    "runs as users run it, the one-file build (`npm run build:agent`: apps/agent/dist/crowsnest-agent.cjs,",
    "no type stripping); it also follows the logs of every running container and sends to an in-process",
    "stand-in server.",
    "",
  ];
}

/**
 * The inotify instance limit the runs had: dockerd watches each log the agent follows with one,
 * and polls the logs past the limit, which shows as extra dockerd CPU (see "Agent footprint").
 */
function inotifyNote(costs: WatcherCost[]): string[] {
  const limits = inotifyLimits(costs);
  if (limits === "–") return [];
  return [
    `The host's inotify instance limit per user (\`fs.inotify.max_user_instances\`) was ${limits} during the`,
    "runs: dockerd watches each log the agent follows with one inotify instance and polls the logs",
    "past the limit every 200 ms, which shows as extra dockerd CPU.",
    "",
  ];
}

/** The distinct limits of these runs, "128" or "128, 1024"; "–" when none was recorded. */
function inotifyLimits(costs: WatcherCost[]): string {
  const limits = [...new Set(costs.flatMap((c) => c.inotifyInstances ?? []))].sort((a, b) => a - b);
  return limits.length === 0 ? "–" : limits.join(", ");
}

/** One sentence per tool at the largest N: what a reader looks for first. */
function headline(costs: WatcherCost[]): string[] {
  const top = Math.max(...costs.map((c) => c.containers));
  const at = (watcher: string) => costs.find((c) => c.containers === top && c.watcher === watcher);
  const crowsnest = at("crowsnest");
  if (crowsnest === undefined) return [];
  const sentences = (["docker stats", "netdata"] as const).flatMap((tool) => {
    const other = at(tool);
    if (other === undefined) return [];
    return [
      `- ${tool}: total host CPU ${num(other.totalCpu.median, 1)} % vs ${num(crowsnest.totalCpu.median, 1)} % ` +
        `(${ratio(other.totalCpu.median, crowsnest.totalCpu.median)}), own CPU ${num(other.watcherCpu.median, 1)} % vs ` +
        `${num(crowsnest.watcherCpu.median, 1)} % (${ratio(other.watcherCpu.median, crowsnest.watcherCpu.median)}), ` +
        `RSS ${num(other.rssMiB.median, 0)} MiB vs ${num(crowsnest.rssMiB.median, 0)} MiB ` +
        `(${ratio(other.rssMiB.median, crowsnest.rssMiB.median)}).`,
    ];
  });
  return [`At ${top} containers, against the Crowsnest agent (medians):`, "", ...sentences, ""];
}

/** The agent-footprint figure of BENCHMARKS.md (issue 15), drawn by bench/report/agent-footprint.ts. */
export const AGENT_RSS_PNG = "agent-footprint-rss.png";

/**
 * Peak RSS against container count, one line per tool that watched (the agent's, docker stats',
 * Netdata's), and `extra` series measured elsewhere, e.g. the agent before a change.
 */
export function rssChart(costs: WatcherCost[], extra: { name: string; points: Point[] }[] = []): string {
  const tools = ["crowsnest", "docker stats", "netdata"] as const;
  const measured = tools.map((tool) => ({
    name: tool === "crowsnest" ? "Crowsnest agent" : tool,
    points: costs
      .filter((c) => c.watcher === tool && c.rssMiB.runs > 0)
      .map((c): Point => ({ x: c.containers, y: c.rssMiB.median, lo: c.rssMiB.min, hi: c.rssMiB.max })),
  }));
  return svgChart({
    title: "Peak RSS while watching N idle containers at 1 s",
    xLabel: "idle containers started by the benchmark",
    yLabel: "peak resident memory, MiB",
    markers: true,
    series: [...measured.filter((s) => s.points.length > 0), ...extra],
  });
}

/**
 * The agent against issue 15's targets at each N: its peak RSS and own CPU, its total (own + extra
 * dockerd + extra containerd) and Netdata's, measured in the same run, and their ratio.
 */
export function footprintTable(costs: WatcherCost[]): string {
  const counts = [...new Set(costs.map((c) => c.containers))].sort((a, b) => a - b);
  const at = (watcher: string, n: number) => costs.find((c) => c.watcher === watcher && c.containers === n);
  return table(
    [
      "N",
      "agent peak RSS MiB",
      "agent own CPU %",
      "agent total CPU %",
      "Netdata total CPU %",
      "agent total / Netdata's",
      "Netdata own CPU %",
      "Netdata peak RSS MiB",
      "inotify instance limit",
    ],
    counts.flatMap((n) => {
      const agent = at("crowsnest", n);
      const netdata = at("netdata", n);
      if (agent === undefined) return [];
      const none = { runs: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN };
      return [
        [
          String(n),
          cell(agent.rssMiB),
          cell(agent.watcherCpu),
          cell(agent.totalCpu),
          cell(netdata?.totalCpu ?? none),
          netdata && netdata.totalCpu.runs > 0 ? ratio(agent.totalCpu.median, netdata.totalCpu.median) : "–",
          cell(netdata?.watcherCpu ?? none),
          cell(netdata?.rssMiB ?? none),
          inotifyLimits([agent]),
        ],
      ];
    }),
  );
}
