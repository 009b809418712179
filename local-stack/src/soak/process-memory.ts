// Resident memory of the system's long-lived processes, from /proc (Linux): sampled at the
// start and the end of the load. A part restarted during the run is compared from the first
// sample of its new process.
import { readFileSync } from 'node:fs';
import { type PartName } from '../launcher/parts';
import { type ProcessMemory } from './soak-verdict';

export function rssKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export class MemorySampler {
  private readonly first = new Map<PartName, { pid: number; kb: number }>();
  private readonly last = new Map<PartName, { pid: number; kb: number }>();

  constructor(
    private readonly parts: readonly PartName[],
    private readonly pidOf: (part: PartName) => number | undefined,
  ) {}

  sample(): void {
    for (const part of this.parts) {
      const pid = this.pidOf(part);
      if (pid === undefined) continue;
      const kb = rssKb(pid);
      if (kb === null) continue;
      // A restarted part's first sample is taken by rebase(), once it is ready: a process
      // sampled while it starts has not loaded its code yet.
      if (!this.first.has(part)) this.first.set(part, { pid, kb });
      this.last.set(part, { pid, kb });
    }
  }

  /** The part was restarted and is ready: growth is measured from its new process. */
  rebase(part: PartName): void {
    const pid = this.pidOf(part);
    const kb = pid === undefined ? null : rssKb(pid);
    if (pid !== undefined && kb !== null) {
      this.first.set(part, { pid, kb });
      this.last.set(part, { pid, kb });
    }
  }

  result(): ProcessMemory[] {
    return this.parts.flatMap((part) => {
      const first = this.first.get(part);
      const last = this.last.get(part);
      return first && last && first.pid === last.pid
        ? [{ part, startKb: first.kb, endKb: last.kb }]
        : [];
    });
  }
}
