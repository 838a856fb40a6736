// Types for the plain-JavaScript benchmark family (specs.mjs, generate.mjs, model.mjs), so bench/*.ts can import it.

/** One member of the family (see specs.mjs). */
export interface FamilySpec {
  name: string;
  role: 'tune' | 'holdout';
  cue: 'colour' | 'stripes' | 'patch' | 'texture';
  trainCueFraction: number;
  classes: number;
  size: number;
  arch: 'cnn' | 'resnet';
  head: 'model' | 'fit';
  seed: number;
  trainPerClass: number;
  valPerClass: number;
  probesPerClass: number;
  epochs: number;
}

/** The family's members. */
export const FAMILY: FamilySpec[];
