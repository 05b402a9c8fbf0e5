/**
 * Partition planners for parallel runs: pure functions (or one query) that cut a collection into
 * JSON bounds, one per partition, that the enumerator builders accept; and the split functions
 * that rebalancing uses to cut a running partition's tail off.
 */
export type { CsvPartition, CsvPartitionsOptions } from './csv.js';
export { csvPartitions } from './csv.js';
export type { KeysetPartition, KeysetPartitionsOptions, KeysetSampling } from './keyset.js';
export { keysetPartitions } from './keyset.js';
export type { ArrayPartitionsOptions, RangePartition, RangePartitionsOptions } from './range.js';
export { arrayPartitions, rangePartitions } from './range.js';
export type { SplitKeysetOptions } from './split-keyset.js';
export { splitKeyset } from './split-keyset.js';
export type { SplitRangeOptions } from './split-range.js';
export { splitRange } from './split-range.js';
