/** How images are turned into the model's input tensor (torchvision-style). */
export interface Preprocess {
  /** Resize so the shorter side is this many pixels (bilinear), before the center crop. */
  resize: number;
  /** Center crop to crop x crop; this is the model's input size. */
  crop: number;
  /** Per-channel mean and std applied after scaling pixels to [0, 1]; identity when normalisation is baked into the model. */
  mean: [number, number, number];
  std: [number, number, number];
}

/** The model card JSON that sits next to a model (`model.onnx` -> `model.card.json`). */
export interface ModelCard {
  name?: string;
  preprocess: Preprocess;
  /** Class labels in logit order; or `labelsFile`, a text file with one label a line. */
  labels?: string[];
  labelsFile?: string;
  /** Optional ImageNet wnids in logit order, so folders named n01440764... map onto the head. */
  wnids?: string[];
  provenance?: string;
}

/** What the engine learned by reading an ONNX classifier's graph. */
export interface ModelInfo {
  path: string;
  sha256: string;
  inputName: string;
  /** Output names in the adapted model. */
  pooledOutput: string;
  logitsOutput: string;
  spatialOutput: string | null;
  /** Feature dimension D (inputs to the linear head) and class count C. */
  dim: number;
  classes: number;
  /** Spatial map shape [D, h, w] when known statically. */
  spatialShape: [number, number, number] | null;
  /** Head weight (C x D row-major) and bias (C), read from the initializers. */
  headWeight: Float32Array;
  headBias: Float32Array;
  card: ModelCard;
  /** Labels in logit order (from the card, or 'class_0'...). */
  labels: string[];
  /** What adapting the graph did that a user should know (e.g. logits taken before a final Softmax; no spatial map). */
  notes?: string[];
  /** The precision features were extracted at and the key of their cache folder; absent means float32 under sha256. */
  precision?: ModelPrecision;
}

/** Precision a run used (int8 asked for may have fallen back to float32: then `notice` says why). */
export interface ModelPrecision {
  used: 'float32' | 'int8';
  /** Feature-cache folder name: the model's sha256 for float32, the int8 model's key for int8. */
  featureKey: string;
  /** e.g. 'int8 (avx2: 7-bit weights; calibrated on 64 images)'. */
  detail: string;
  notice: string | null;
}

/** The feature-cache folder of a model's features at the precision it ran. */
export function featureCacheKey(info: Pick<ModelInfo, 'sha256' | 'precision'>): string {
  return info.precision?.featureKey ?? info.sha256;
}
