import { isAbsolute, relative, resolve, sep } from 'node:path';

/** True when dir is the dataset root or inside it (crops written there would become dataset images). */
export function insideDataset(dir: string, root: string): boolean {
  const rel = relative(resolve(root), resolve(dir));
  // a folder named '..x' inside the dataset is still inside: only '..' as a whole first segment leaves it
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
