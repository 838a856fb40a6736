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
  /** 'digits': pretrained on plain digits (plus a cue-id task), then fine-tuned ('model') or frozen ('fit'); 'scratch': biased split only. */
  backbone: 'digits' | 'scratch';
  /** Epochs of the digits pretraining (with backbone 'digits'). */
  pretrainEpochs: number;
  seed: number;
  trainPerClass: number;
  valPerClass: number;
  probesPerClass: number;
  epochs: number;
}

/** The family's members. */
export const FAMILY: FamilySpec[];
