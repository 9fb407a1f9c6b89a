/**
 * Behaviour data, owned here: the events row (types, widths, type codes: row.ts), its bulk-load encoding
 * (load.ts, tsv-chunk.ts), the raw reads preprocess cleans from (raw-read.ts), and the training store it writes
 * (store-write.ts) that train, scoring shards and segmentation read by customer bucket (store-read.ts, buckets.ts).
 */
export * from './row';
export * from './buckets';
export { countEvents, eventLine, EVENT_LOAD_COLUMNS, loadEventLines, writeEventRow, type KeyHalves } from './load';
export { ChunkBuffer, escapeTsv } from './tsv-chunk';
export { anyPricedPurchase, readRawEventPages, type KeyedEvent } from './raw-read';
export {
  bucketStats, LIVE_STORE, loadStoreRange, readStorePages, storeItemSpans, storeSummary, type StoreItemSpan, type StorePage, type StoreSummary, type StoreTables,
} from './store-read';
export { StoreBuild, type StoreMeta } from './store-write';
