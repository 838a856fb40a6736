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
}
