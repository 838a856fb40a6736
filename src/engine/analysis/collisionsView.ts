import { findCollisions, type Collision } from '../../core/collisions';
import type { SessionView } from './queries/sessionView';

/** Spurious feature collisions of the session (labels + top features), on the validation split. */
export function sessionCollisions(s: SessionView): Collision[] {
  const C = s.classNames.length;
  const core: number[][] = Array.from({ length: C }, () => []);
  const id = new Map(s.classNames.map((c, i) => [c, i] as const));
  for (const e of s.labelEntries()) {
    const c = id.get(e.cls);
    if (c !== undefined && e.verdict.label === 'core') core[c].push(e.feature);
  }
  return findCollisions({
    spurious: s.spuriosity.spurious, core, topFeatures: s.importance.map((i) => i.top),
    rankings: s.spuriosity.rankings, predictions: s.predictions, index: s.index,
  });
}

/** A collision as the review tab lists it: the two classes by name, the feature, and how many images it confused. */
export interface CollisionPairData {
  spuriousClass: string;
  coreClass: string;
  feature: number;
  /** Validation images of the spurious class predicted as the core class. */
  confusions: number;
}

/** The session's collisions by class name, with the confused images counted (confusion is a share of n). */
export function collisionPairs(s: SessionView): CollisionPairData[] {
  return sessionCollisions(s).map((c) => ({
    spuriousClass: s.classNames[c.spuriousClass], coreClass: s.classNames[c.coreClass], feature: c.feature, confusions: Math.round(c.confusion * c.n),
  }));
}
