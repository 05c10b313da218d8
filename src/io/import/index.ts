/** Import of captured Enterprise Manager documents (XML, JSON, NDJSON) into a store. */
export { ImportError, type Where } from './errors.js';
export { importData, type ImportCounts, type ImportFile, type ImportResult } from './importer.js';
export type { ImportInput } from './source.js';
