import { AnnotationFileStore, defaultAnnotationPath } from '../annotations/store';
import type { ModelInfo } from '../model/types';

/** Opens the dataset's annotation file for this model (default `<dataset>/.spuriosity/annotations.<sha8>.json`), kept with the data so it can be committed. */
export function openLabelStore(datasetRoot: string, model: ModelInfo, path?: string): Promise<AnnotationFileStore> {
  const name = model.card.name ?? model.path.split(/[\\/]/).pop() ?? 'model';
  return AnnotationFileStore.open(path ?? defaultAnnotationPath(datasetRoot, model.sha256), { sha256: model.sha256, name }, datasetRoot);
}
