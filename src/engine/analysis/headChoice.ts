import type { LinearHead } from '../../core/types';
import type { HeadMode, HeadSource } from '../../core/vocabulary';
import type { ModelInfo } from '../model/types';

// sessionJob imports HeadMode from here.
export type { HeadMode };

/** How the dataset's classes map onto the model's logits. */
export interface ClassMapping {
  /** Per dataset class, the model logit index, or -1 when it maps onto none. */
  toModel: Int32Array;
  unmapped: string[];
}

const norm = (s: string) => s.trim().toLowerCase().replace(/[\s_-]+/g, ' ');

/** Maps dataset class names onto the model's labels, by exact wnid (n01440764) first, then by label name ignoring case, '_' and '-'. */
export function mapClasses(datasetClasses: string[], model: ModelInfo): ClassMapping {
  const byWnid = new Map<string, number>();
  (model.card.wnids ?? []).forEach((w, i) => byWnid.set(w.toLowerCase(), i));
  const byName = new Map<string, number>();
  model.labels.forEach((l, i) => { if (!byName.has(norm(l))) byName.set(norm(l), i); });
  const toModel = new Int32Array(datasetClasses.length).fill(-1);
  const unmapped: string[] = [];
  datasetClasses.forEach((c, i) => {
    const hit = byWnid.get(c.toLowerCase()) ?? byName.get(norm(c));
    if (hit === undefined) unmapped.push(c);
    else toModel[i] = hit;
  });
  return { toModel, unmapped };
}

/** Decides the head source; 'model' mode with unmapped classes still uses the model head (those classes are reported, their images unlabeled). */
export function chooseHeadSource(mode: HeadMode, mapping: ClassMapping): HeadSource {
  if (mode === 'fit') return 'fit';
  if (mode === 'model') return 'model';
  return mapping.unmapped.length === 0 ? 'model' : 'fit';
}

/** The model's own head as a LinearHead (C x D). */
export function modelHead(model: ModelInfo): LinearHead {
  return { classes: model.classes, dim: model.dim, weight: model.headWeight, bias: model.headBias };
}

/** The classes an analysis works in ("head space"), and each image's class there. */
export interface HeadSpace {
  headSource: HeadSource;
  /** Class names in head space: the model's labels with its own head, else the dataset's classes. */
  classNames: string[];
  /** Head-space indices of the dataset's classes, in dataset order (unmapped ones left out). */
  datasetClassIds: number[];
  /** Dataset classes the model's labels do not have (with the model's head). */
  unmapped: string[];
  /** Head-space class of a dataset class name, -1 when unmapped. */
  classOf: Map<string, number>;
}

/** Chooses the head source and maps the dataset's classes into head space. */
export function headSpace(datasetClasses: string[], model: ModelInfo, mode: HeadMode): HeadSpace {
  const mapping = mapClasses(datasetClasses, model);
  const headSource = chooseHeadSource(mode, mapping);
  const classOf = new Map<string, number>();
  datasetClasses.forEach((c, i) => classOf.set(c, headSource === 'model' ? mapping.toModel[i] : i));
  return {
    headSource,
    classNames: headSource === 'model' ? model.labels : datasetClasses,
    datasetClassIds: datasetClasses.map((c) => classOf.get(c)!).filter((i) => i >= 0),
    unmapped: headSource === 'model' ? mapping.unmapped : [],
    classOf,
  };
}
