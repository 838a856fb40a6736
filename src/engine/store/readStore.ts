// Streams a Parquet feature store one record batch at a time (parquet-wasm reads the file through a file-backed Blob,
// so only the row group being decoded is in memory, never the whole file or its n x D values).
import { openAsBlob } from 'node:fs';
import type * as ArrowNs from 'apache-arrow';
import { storeLibs } from './arrowLib';
import { floatListColumn, type FloatListColumn } from './listColumn';
import { COLUMNS, SCHEMA_KEY } from './schema';

/** One record batch of a store, columns ready for row access. */
export interface StoreBatch {
  /** Row number in the file of the batch's first row. */
  firstRow: number;
  rows: number;
  path: ArrowNs.Vector;
  cls: ArrowNs.Vector | null;
  features: FloatListColumn;
  logits: FloatListColumn | null;
}

/** What a store file says about itself before any row is read. */
export interface StoreInfo {
  rows: number;
  rowGroups: number;
  /** The schema id from the key-value metadata, or null for a file another tool wrote without it. */
  schema: string | null;
  keyValue: Map<string, string>;
  columns: string[];
  /** The features' list size when the column is fixed-size, else null (checked row by row). */
  featureSize: number | null;
  hasClass: boolean;
  hasLogits: boolean;
}

/** Thrown for a file that cannot be read as a feature store at all (its rows are never looked at). */
export class StoreFileError extends Error {
  override readonly name = 'StoreFileError';
}

/** Rows per record batch read: small enough that a batch of 2,048 float32 features is ~16 MB. */
export const READ_BATCH_ROWS = 2048;

/** An open store file: its description and a batch iterator. */
export interface OpenStore {
  info: StoreInfo;
  batches(): AsyncGenerator<StoreBatch>;
}

/** Opens a store: checks that it is Parquet with a utf8 `path` and a float-list `features` column. */
export async function openStore(file: string, batchRows = READ_BATCH_ROWS): Promise<OpenStore> {
  const { arrow, parquet } = await storeLibs();
  let pf: Awaited<ReturnType<typeof parquet.ParquetFile.fromFile>>;
  try {
    pf = await parquet.ParquetFile.fromFile(await openAsBlob(file));
  } catch (e) {
    throw new StoreFileError(`not a readable Parquet file (${messageOf(e)})`);
  }
  const meta = pf.metadata();
  const fm = meta.fileMetadata();
  const keyValue = new Map<string, string>([...(fm.keyValueMetadata() as Map<string, string>)].filter(([k]) => k !== 'ARROW:schema'));
  const schema = arrow.tableFromIPC(pf.schema().intoIPCStream()).schema;
  const field = (name: string) => schema.fields.find((f) => f.name === name);
  const columns = schema.fields.map((f) => f.name);
  const path = field(COLUMNS.path);
  const features = field(COLUMNS.features);
  const cls = field(COLUMNS.class);
  const logits = field(COLUMNS.logits);
  if (!path) throw new StoreFileError(`has no "${COLUMNS.path}" column (columns: ${columns.join(', ')})`);
  if (!arrow.DataType.isUtf8(path.type) && path.type.typeId !== arrow.Type.LargeUtf8) throw new StoreFileError(`column "${COLUMNS.path}" is ${String(path.type)}, expected strings`);
  if (!features) throw new StoreFileError(`has no "${COLUMNS.features}" column (columns: ${columns.join(', ')})`);
  if (cls && !arrow.DataType.isUtf8(cls.type) && cls.type.typeId !== arrow.Type.LargeUtf8) throw new StoreFileError(`column "${COLUMNS.class}" is ${String(cls.type)}, expected strings`);
  const info: StoreInfo = {
    rows: fm.numRows(), rowGroups: meta.numRowGroups(), schema: keyValue.get(SCHEMA_KEY) ?? null, keyValue, columns,
    featureSize: arrow.DataType.isFixedSizeList(features.type) ? features.type.listSize : null, hasClass: !!cls, hasLogits: !!logits,
  };
  const wanted = [COLUMNS.path, COLUMNS.features, ...(cls ? [COLUMNS.class] : []), ...(logits ? [COLUMNS.logits] : [])];
  async function* batches(): AsyncGenerator<StoreBatch> {
    const stream = await pf.stream({ batchSize: batchRows, columns: wanted });
    let firstRow = 0;
    for await (const rb of stream as AsyncIterable<{ intoIPCStream(): Uint8Array }>) {
      const table = arrow.tableFromIPC(rb.intoIPCStream());
      for (const b of table.batches) {
        const col = (name: string) => {
          const v = b.getChild(name);
          if (!v) throw new StoreFileError(`record batch at row ${firstRow} lacks column "${name}"`);
          return v;
        };
        const f = floatListColumn(arrow, col(COLUMNS.features).data[0]);
        if (typeof f === 'string') throw new StoreFileError(`column "${COLUMNS.features}" ${f}`);
        let l: FloatListColumn | null = null;
        if (logits) {
          const r = floatListColumn(arrow, col(COLUMNS.logits).data[0]);
          if (typeof r === 'string') throw new StoreFileError(`column "${COLUMNS.logits}" ${r}`);
          l = r;
        }
        yield { firstRow, rows: b.numRows, path: col(COLUMNS.path), cls: cls ? col(COLUMNS.class) : null, features: f, logits: l };
        firstRow += b.numRows;
      }
    }
  }
  return { info, batches };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
