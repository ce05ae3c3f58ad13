/** Who runs a stored run: a process on this machine, alive or not. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { RunOwner } from './types.js';

/** Is the process there? A zombie (dead, not yet reaped) is not. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export const thisProcess = (kind: RunOwner['kind'], url?: string): RunOwner => ({ pid: process.pid, host: os.hostname(), kind, ...(url ? { url } : {}) });

/** A live owner other than this process (on another host: assumed alive, it is not ours to judge). */
export const ownedElsewhere = (owner: RunOwner | undefined): boolean =>
  owner !== undefined && !(owner.host === os.hostname() && owner.pid === process.pid) && (owner.host !== os.hostname() || isAlive(owner.pid));
