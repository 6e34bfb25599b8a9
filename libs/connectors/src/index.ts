export { readLineBatches } from './file/line-reader';
export type { LineBatch, LineReaderOptions, OversizedLine } from './file/line-reader';
export { NdjsonWriter } from './file/ndjson-writer';
export { readEventBatches, openInput } from './file/event-file-source';
export type { EventBatch, OpenedInput, EventSourceOptions } from './file/event-file-source';
export { DecodePool } from './file/decode-pool';
export type { DecodePoolOptions, PooledBatch } from './file/decode-pool';
export { readLineBlocks } from './file/line-blocks';
export type { LineBlock } from './file/line-blocks';
