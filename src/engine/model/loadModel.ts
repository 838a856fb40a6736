import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readCard } from './card';
import { ModelAdaptError } from './errors';
import { adaptOnnx } from './onnxGraph';
import type { ModelInfo } from './types';

export { ModelAdaptError, ModelCardError } from './errors';

/** Streams a file through sha256 so hashing a large model never holds a second copy. */
export function sha256File(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => ok(hash.digest('hex')));
  });
}

/** Reads an ONNX classifier, finds pooled features / spatial map / logits, returns its description and the adapted model bytes (those tensors added as graph outputs). Throws ModelAdaptError naming the node it expected. */
export async function loadModel(modelPath: string): Promise<{ info: ModelInfo; adapted: Uint8Array; inputSize: number | null }> {
  const path = resolve(modelPath);
  let bytes: Uint8Array;
  let sha256: string;
  try {
    [bytes, sha256] = await Promise.all([readFile(path), sha256File(path)]);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not an .onnx file' : `cannot be read (${code ?? (e as Error).message})`;
    throw new ModelAdaptError(path, `${why}; expected an ONNX image classifier (.onnx)`);
  }
  const { adapted, graph } = adaptOnnx(bytes, path);
  const { card, labels } = await readCard(path, { classes: graph.classes, inputSize: graph.inputSize });
  const info: ModelInfo = {
    path,
    sha256,
    inputName: graph.inputName,
    pooledOutput: graph.pooled,
    logitsOutput: graph.logits,
    spatialOutput: graph.spatial,
    dim: graph.dim,
    classes: graph.classes,
    spatialShape: graph.spatialShape,
    headWeight: graph.weight,
    headBias: graph.bias,
    card,
    labels,
    notes: graph.notes,
  };
  return { info, adapted, inputSize: graph.inputSize };
}
