// Whether a path lies in a folder: the guard that keeps exports out of the dataset they were made from.
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * True when `child` is `parent` or lies inside it (both resolved; symlinks are the caller's business). A folder whose
 * name starts with '..' (`..crops`) is inside: only '..' as a whole first segment leads out.
 */
export function isInsideFolder(child: string, parent: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
