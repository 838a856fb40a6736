/** Thrown when an ONNX file is not a classifier the engine can adapt; the message names the file and the node it expected. */
export class ModelAdaptError extends Error {
  /** The model file (or a label for in-memory bytes). */
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ModelAdaptError';
    this.file = file;
  }
}

/** Thrown for a model card that cannot be used; the message names the card file and the field. */
export class ModelCardError extends Error {
  /** The card file. */
  readonly file: string;
  /** Dotted path of the offending field, e.g. 'preprocess.mean'. */
  readonly field: string;
  constructor(file: string, field: string, message: string) {
    super(`${file}: ${field ? `"${field}" ` : ''}${message}`);
    this.name = 'ModelCardError';
    this.file = file;
    this.field = field;
  }
}
