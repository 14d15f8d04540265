import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Stat {
  ppid: number;
  /** utime + stime */
  own: number;
  /** cutime + cstime: children this process has reaped (a Netdata helper script, say). */
  reaped: number;
}

/**
 * A process (its pid), or one of its threads (`<pid>/task/<tid>`): where its `stat` is under /proc.
 * A thread's own CPU time is only there: /proc/<tid>/stat counts its whole process (proc(5)).
 */
export type Task = number | `${number}/task/${number}`;

/** Fields after the command name (which may hold spaces) start after the last ")". */
function readStat(task: Task): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${task}/stat`, "utf8");
  } catch {
    return null; // the process ended between listing and reading: nothing left to count
  }
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    ppid: Number(f[1]),
    own: Number(f[11]) + Number(f[12]),
    reaped: Number(f[13]) + Number(f[14]),
  };
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** Pids whose command name (/proc/<pid>/comm) is one of `names`. */
export function pidsNamed(...names: string[]): number[] {
  return allPids().filter((pid) => {
    try {
      return names.includes(readFileSync(`/proc/${pid}/comm`, "utf8").trim());
    } catch {
      return false;
    }
  });
}

/**
 * The threads of process `pid` named `name` (Linux keeps a thread's name, `comm`, to its first 15
 * bytes: TASK_COMM_LEN, proc(5)), for a CpuMeter of them alone. None once the process has ended.
 */
export function threadsNamed(pid: number, name: string): Task[] {
  const comm = Buffer.from(name).subarray(0, 15).toString();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tids
    .filter((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === comm;
      } catch {
        return false;
      }
    })
    .map((tid): Task => `${pid}/task/${Number(tid)}`);
}

/** The process and every live descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (stat !== null) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/**
 * CPU seconds spent by a group of processes (or threads) between start() and stop(). Those
 * counted are those present at both readings; the group's roots also count what their reaped children spent, so
 * short-lived helpers (a watcher's scripts, a docker CLI it runs) are not missed.
 */
export class CpuMeter {
  readonly #pids: () => Task[];
  readonly #roots: Set<Task>;
  #before = new Map<Task, number>();

  /** `pids`: the processes, or threads (threadsNamed), to count, read at each reading. */
  constructor(pids: () => Task[], roots: Task[] = []) {
    this.#pids = pids;
    this.#roots = new Set(roots);
  }

  start(): void {
    this.#before = this.#read();
  }

  stop(): number {
    let ticks = 0;
    for (const [pid, now] of this.#read()) {
      const before = this.#before.get(pid);
      if (before !== undefined) ticks += now - before;
    }
    return ticks / TICKS_PER_SECOND;
  }

  #read(): Map<Task, number> {
    const ticks = new Map<Task, number>();
    for (const task of this.#pids()) {
      const stat = readStat(task);
      if (stat !== null) ticks.set(task, stat.own + (this.#roots.has(task) ? stat.reaped : 0));
    }
    return ticks;
  }
}

/** Resident memory of the processes now, in bytes, from /proc/<pid>/status. */
export function rssBytes(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      total += Number(kib ?? 0) * 1024;
    } catch {
      // ended meanwhile: it holds no memory any more
    }
  }
  return total;
}
