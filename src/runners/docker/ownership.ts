/**
 * Run-folder ownership around a container. As root, tlorc lends the run folder to the container's
 * unprivileged uid for the run and takes it back afterwards, also when the run ended abnormally
 * (its container is then removed as a leftover, and the folder handed back there).
 */
import { chownSync, lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** chown -R without following symlinks (the run dir only holds what tlorc and the script wrote). */
export function chownTree(dir: string, uid: number, gid: number): void {
  const walk = (p: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) return;
    if (st.uid !== uid || st.gid !== gid) chownSync(p, uid, gid);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
}

/** Give a run folder back to this process's user (root), best effort. */
export function handBack(dir: string | undefined): void {
  const uid = process.getuid?.();
  const gid = process.getgid?.();
  if (!dir || uid !== 0 || gid === undefined) return;
  try {
    chownTree(dir, uid, gid);
  } catch {
    /* best effort: root reads the files either way */
  }
}
