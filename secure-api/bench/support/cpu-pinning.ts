// One core for the server under test, another for the load generator. On a machine with two or
// more cores, every server process (all its threads: libuv's pool, V8's GC helpers) is pinned
// to core 0 and this benchmark process, which runs autocannon, to core 1, with util-linux's
// taskset (sched_setaffinity). Unpinned, a server that hands work to libuv's thread pool (jose's
// WebCrypto verify in express-oauth2-jwt-bearer) or to GC threads borrows the load generator's
// core, and the scheduler moves servers from core to core: req/s then stands for different
// amounts of CPU on different servers, and rounds scatter more. BENCH_PIN=false turns it off.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** The cores to pin to (null: no pinning), and a sentence saying what was done. */
export interface CpuPinning {
  cores: { server: number; load: number } | null;
  description: string;
}

function tasksetWorks(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function unpinned(reason: string): CpuPinning {
  return { cores: null, description: `no CPU pinning (${reason})` };
}

export function planCpuPinning(): CpuPinning {
  if (process.env.BENCH_PIN === 'false') return unpinned('BENCH_PIN=false');
  if (process.platform !== 'linux') return unpinned(`not on Linux (${process.platform})`);
  if (cpus().length < 2) return unpinned('fewer than 2 cores');
  if (!tasksetWorks()) return unpinned('taskset (util-linux) not available');
  return {
    cores: { server: 0, load: 1 },
    description: 'each server pinned to core 0, the load generator to core 1',
  };
}

function setAffinity(pid: number, cpuList: string): void {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpuList, String(pid)], {
    stdio: 'ignore',
  });
}

/** Pins every thread of process `pid` (and the threads it starts later) to `core`. */
export function pinToCore(pid: number, core: number): void {
  setAffinity(pid, String(core));
}

/** Lets every thread of process `pid` run on any core again. */
export function unpin(pid: number): void {
  setAffinity(pid, `0-${cpus().length - 1}`);
}
