// Exports an analysed dataset as a Parquet feature store (schema.ts): one row per image with its path, class, split,
// prediction, correctness, spuriosity, pooled features and logits. Streams from the feature cache one batch at a
// time: memory holds one batch of rows and the row group being encoded, whatever the dataset size.
import { basename } from 'node:path';
import type * as ArrowNs from 'apache-arrow';
import { FeatureCache } from '../cache/featureCache';
import { encodeFloat16, fitsFloat16 } from '../cache/float16';
import { predictedName, spuriosityOf, type AnalysisView } from '../analysis/queries/sessionView';
import { storeLibs } from './arrowLib';
import { COLUMNS, EXPORT_KEY, FEATURE_STORE_SCHEMA, SCHEMA_KEY } from './schema';
import { createStoreWriter } from './writeStore';

/** What to export. */
export interface ExportRequest {
  view: Pick<AnalysisView, 'entries' | 'predictions' | 'correct' | 'spuriosity' | 'classNames' | 'model' | 'dataset' | 'headSource'>;
  cacheDir: string;
  out: string;
  /** Element type of the features column; float16 is what the cache holds (exact), float32 doubles the size. */
  dtype?: 'float16' | 'float32';
  /** Write the logits column (C float32 per row); default true. */
  logits?: boolean;
  /** Rows per record batch and row group; default 1024 (see StoreWriterOptions.rowGroupRows). */
  batchRows?: number;
  onProgress?(done: number, total: number): void;
}

/** What an export wrote. */
export interface ExportReport {
  /** The Parquet file written. */
  out: string;
  /** Rows written: one per image with features. */
  rows: number;
  /** Size of the file. */
  bytes: number;
  /** Features per row (the model's feature dimension). */
  dim: number;
  /** Logits per row when written (the model's classes). */
  classes: number;
  /** Element type of the features column. */
  dtype: 'float16' | 'float32';
  /** Whether the logits column was written (--no-logits leaves it out). */
  logits: boolean;
}

/** Writes the store; throws (leaving no partial file) when a feature is missing from the cache or does not fit float16. */
export async function exportFeatureStore(req: ExportRequest): Promise<ExportReport> {
  const { arrow } = await storeLibs();
  const { view } = req;
  const { dim: D, classes: C, sha256 } = view.model;
  const dtype = req.dtype ?? 'float16';
  const withLogits = req.logits ?? true;
  const B = Math.max(1, req.batchRows ?? 1024);
  const cache = await FeatureCache.open(req.cacheDir, { sha256, dim: D, classes: C });
  const description = {
    model: { file: basename(view.model.path), sha256, dim: D, classes: C, head: view.headSource }, dataset: view.dataset.root,
    classNames: view.classNames, createdBy: 'spuriosity-lens',
  };
  const writer = await createStoreWriter(req.out, {
    keyValue: new Map([[SCHEMA_KEY, FEATURE_STORE_SCHEMA], [EXPORT_KEY, JSON.stringify(description)]]),
    rowGroupRows: B,
    dictionaryColumns: [COLUMNS.class, COLUMNS.split, COLUMNS.prediction],
    statisticsColumns: [COLUMNS.path, COLUMNS.class, COLUMNS.split, COLUMNS.prediction, COLUMNS.correct, COLUMNS.spuriosity],
  });
  const n = view.entries.length;
  const pooled = new Float32Array(B * D);
  const logits = new Float32Array(B * C);
  try {
    for (let s = 0; s < n; s += B) {
      const chunk = view.entries.slice(s, s + B);
      const k = chunk.length;
      const r = await cache.lookupRows(chunk, (first, count, body, row) => {
        body.copyPooled(row, count, pooled, first * D);
        body.copyLogits(row, count, logits, first * C);
      });
      if (r.hits !== k) {
        const miss = chunk[r.misses[0] ?? r.failures[0]?.index ?? 0];
        throw new Error(`the feature cache ${cache.dir} has no features for ${miss.rel} (${k - r.hits} of rows ${s}-${s + k - 1} missing): run the analysis again to extract them`);
      }
      const features = pooled.subarray(0, k * D);
      if (dtype === 'float16' && !fitsFloat16(features)) {
        throw new Error(`features of rows ${s}-${s + k - 1} exceed float16's range (|x| > 65504): export with --dtype float32`);
      }
      const rows: number[] = Array.from({ length: k }, (_, i) => s + i);
      const fields: ArrowNs.Field[] = [];
      const children: ArrowNs.Data[] = [];
      const add = (name: string, type: ArrowNs.DataType, data: ArrowNs.Data, nullable = false) => {
        fields.push(new arrow.Field(name, type, nullable));
        children.push(data);
      };
      const str = new arrow.Utf8();
      add(COLUMNS.path, str, arrow.vectorFromArray(chunk.map((e) => e.rel), str).data[0]);
      add(COLUMNS.class, str, arrow.vectorFromArray(chunk.map((e) => e.label), str).data[0]);
      add(COLUMNS.split, str, arrow.vectorFromArray(chunk.map((e) => e.split), str).data[0]);
      add(COLUMNS.prediction, str, arrow.vectorFromArray(rows.map((i) => predictedName(view, i)), str).data[0]);
      add(COLUMNS.correct, new arrow.Bool(), arrow.vectorFromArray(rows.map((i) => view.correct[i] === 1), new arrow.Bool()).data[0]);
      add(COLUMNS.spuriosity, new arrow.Float32(), arrow.vectorFromArray(rows.map((i) => spuriosityOf(view, i)), new arrow.Float32()).data[0], true);
      const item = dtype === 'float16' ? new arrow.Float16() : new arrow.Float32();
      const values = dtype === 'float16' ? encodeFloat16(features) : features.slice();
      add(COLUMNS.features, new arrow.FixedSizeList(D, new arrow.Field('item', item, false)), listData(arrow, item, D, k, values));
      if (withLogits) {
        const f32 = new arrow.Float32();
        add(COLUMNS.logits, new arrow.FixedSizeList(C, new arrow.Field('item', f32, false)), listData(arrow, f32, C, k, logits.slice(0, k * C)));
      }
      const schema = new arrow.Schema(fields);
      await writer.write(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: k, nullCount: 0, children })));
      req.onProgress?.(s + k, n);
    }
  } catch (e) {
    await writer.abort(e as Error);
    throw e;
  }
  await writer.close();
  const { size } = await (await import('node:fs/promises')).stat(req.out);
  return { out: req.out, rows: n, bytes: size, dim: D, classes: C, dtype, logits: withLogits };
}

function listData(arrow: typeof ArrowNs, item: ArrowNs.Float16 | ArrowNs.Float32, size: number, rows: number, values: Uint16Array | Float32Array): ArrowNs.Data {
  const child = arrow.makeData({ type: item, length: rows * size, nullCount: 0, data: values } as never);
  return arrow.makeData({ type: new arrow.FixedSizeList(size, new arrow.Field('item', item, false)), length: rows, nullCount: 0, child } as never);
}
