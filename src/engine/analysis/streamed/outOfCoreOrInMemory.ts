// The one rule for where an analysis opens: out of core (features stay in the cache, no n x D matrix) with the
// model's own head, in memory when a head must be fitted — asked for, or found necessary by the streamed open
// (the model's labels do not name the dataset's classes) — since fitting reads every training row.
import type { HeadMode } from '../../../core/vocabulary';
import { StreamedHeadError } from './streamedSession';

/** Opens out of core, or in memory when `headMode` is 'fit' or the streamed open says the head must be fitted. */
export async function outOfCoreOrInMemory<T>(headMode: HeadMode | undefined, outOfCore: () => Promise<T>, inMemory: () => Promise<T>): Promise<T> {
  if (headMode === 'fit') return inMemory();
  try {
    return await outOfCore();
  } catch (e) {
    // by name: the error may have crossed a process boundary, where instanceof no longer holds
    if ((e as Error | null)?.name !== StreamedHeadError.name) throw e;
  }
  return inMemory();
}
