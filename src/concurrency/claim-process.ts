/**
 * The process a local claim names (issue 9, item 5): pid, host and start time. A run killed with
 * `kill -9` never gives its claim back; a later run on the same host sees that the process is
 * gone and takes the claim over at once, instead of waiting minutes for the lease to run out. The
 * start time tells a live process from an unrelated one that was given the same pid since.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ClaimProcess } from '../ports.js';

/** Linux reports process start times in clock ticks: USER_HZ, 100 on every mainstream platform. */
const ticksPerSecond = 100;
/** Start times read from /proc agree to a tick; anything further apart is another process. */
const sameStartToleranceMs = 1_000;

let current: ClaimProcess | undefined;

/** This process, as a claim names it. */
export function thisProcess(): ClaimProcess {
  current ??= {
    pid: process.pid,
    host: hostname(),
    startedAt: processStartTime(process.pid) ?? Math.round(Date.now() - process.uptime() * 1000),
  };
  return current;
}

/**
 * Whether the process that took a claim has ended (or its pid now belongs to another process).
 * A process on another host cannot be checked from here: only its lease says when it is over.
 */
export function processIsGone(holder: ClaimProcess): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = procStat(holder.pid);
  if (stat === undefined) return false;
  // A zombie has ended, it only waits for its parent to notice.
  if (stat.state === 'Z') return true;
  return Math.abs(stat.startedAt - holder.startedAt) > sameStartToleranceMs;
}

function processStartTime(pid: number): number | undefined {
  return procStat(pid)?.startedAt;
}

/** State and start time (epoch ms) from /proc; undefined where there is no /proc (macOS). */
function procStat(pid: number): { state: string; startedAt: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const bootSeconds = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    const startTicks = fields[19];
    if (bootSeconds === undefined || startTicks === undefined) return undefined;
    return {
      state: fields[0] ?? '',
      startedAt: Number(bootSeconds) * 1000 + (Number(startTicks) * 1000) / ticksPerSecond,
    };
  } catch {
    return undefined;
  }
}
