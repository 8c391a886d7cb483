// CPU accounting from /proc: CPU seconds of a process, of a process group and of the whole machine, and background load.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { sleep } from "./processes";

export const CLK_TCK = (() => {
  const n = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/** User and system CPU seconds used so far by every live process in a process group. */
export function groupCpu(pgid: number): { user: number; sys: number } {
  let user = 0;
  let sys = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(f[2]) !== pgid) continue;
    user += Number(f[11]);
    sys += Number(f[12]);
  }
  return { user: user / CLK_TCK, sys: sys / CLK_TCK };
}

export function groupCpuSeconds(pgid: number): number {
  const c = groupCpu(pgid);
  return c.user + c.sys;
}

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat). */
export function machineBusySeconds(): number {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Cores kept busy by processes outside a set of process groups, measured over `ms`. */
export async function backgroundCores(ms: number, groups: number[]): Promise<number> {
  const g0 = groups.reduce((a, g) => a + groupCpuSeconds(g), 0) + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  const m0 = machineBusySeconds();
  await sleep(ms);
  const g1 = groups.reduce((a, g) => a + groupCpuSeconds(g), 0) + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
  return Math.max(0, (machineBusySeconds() - m0 - (g1 - g0)) / (ms / 1000));
}

/** User+system CPU seconds of one process (0 once it is gone). */
export function pidCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}
