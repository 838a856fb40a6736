import { isInsideFolder } from '../../engine/api/stores';

/** True when dir is the dataset root or inside it (crops written there would become dataset images): the engine's export check. */
export function insideDataset(dir: string, root: string): boolean {
  return isInsideFolder(dir, root);
}
