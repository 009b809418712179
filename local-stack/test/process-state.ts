// Test helper: whether a process still runs, read from /proc (a zombie counts as gone, since
// it has exited and only waits for its parent to reap it).
import { readFileSync } from 'node:fs';

export function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}
