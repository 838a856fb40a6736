// The only importer of parquet-wasm and apache-arrow. Loaded on first use: the wasm module (4.9 MB) is compiled when
// parquet-wasm is first required, so commands that never touch a feature store do not pay for it.
import type * as ArrowNs from 'apache-arrow';
import type * as ParquetNs from 'parquet-wasm/node';

/** The two libraries a feature store needs. */
export interface StoreLibs {
  arrow: typeof ArrowNs;
  parquet: typeof ParquetNs;
}

let loaded: Promise<StoreLibs> | null = null;

/** Loads (once) Apache Arrow and parquet-wasm's Node build (bundled: its wasm sits beside dist/*.js). */
export function storeLibs(): Promise<StoreLibs> {
  loaded ??= (async () => ({ arrow: await import('apache-arrow'), parquet: await import('parquet-wasm/node') }))();
  return loaded;
}
