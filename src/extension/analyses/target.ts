// The one description of "the current ranking" that the on-demand analyses work against; each flow takes the
// fields it needs with Pick, so a field means the same thing in every flow.
import type { AnalysisSession } from '../../engine/api/analysis';
import type { Dataset } from '../../engine/api/extraction';
import type { ThumbnailCache } from '../../engine/api/stores';

/** What the analyses need of the ranked dataset. */
export interface AnalysisTarget {
  root: string;
  dataset: Dataset;
  /** Its analysis: images it excludes are left out of crops, sensitivity and every compared model. */
  session: AnalysisSession;
  /** Cache root of the ranking (the heatmaps' spatial maps are cached there and reused). */
  cacheDir: string;
  /** The model the dataset is ranked with now (a comparison offers it first). */
  modelPath: string;
  /** Larger previews (the re-check grid crops them, so thumbnails would be too coarse). */
  previews: ThumbnailCache;
}

/** What the crop flows need. */
export type CropTarget = Pick<AnalysisTarget, 'root' | 'session' | 'cacheDir'>;
/** What a comparison needs. */
export type CompareTarget = Pick<AnalysisTarget, 'root' | 'dataset' | 'cacheDir' | 'modelPath' | 'session'>;
