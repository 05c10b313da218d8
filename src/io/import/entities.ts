import { fieldByKey, type Row } from '../../model/index.js';
import { FieldError, ImportError, type Where } from './errors.js';
import { readJson } from './json-reader.js';
import { convert, typeByName, type Converted, type RawEntity } from './mapping.js';
import { sniff, textChunks, type ImportInput, type InputFormat } from './source.js';
import { readXml } from './xml-reader.js';

/** An entity of an input converted to its row and relations, and where it is (for errors about its relations). */
export interface ConvertedEntity {
  readonly converted: Converted;
  where(): Where;
}

/** `convert`, with a value's `FieldError` as an `ImportError` at the value's position. */
export function converted(raw: RawEntity, source: string): ConvertedEntity {
  try {
    return { converted: convert(raw), where: () => raw.where() };
  } catch (e) {
    if (e instanceof FieldError) throw new ImportError(source, e.reason, raw.where(e.field));
    throw e;
  }
}

/** The format of an input (detected from its content) and its entities, converted, in order. */
export async function readEntities(
  input: ImportInput, source: string,
): Promise<{ format: InputFormat; entities: AsyncIterable<ConvertedEntity> }> {
  const { format, chunks } = await sniff(textChunks(input, source), source);
  const raws = format === 'xml' ? readXml(chunks, source) : readJson(chunks, source);
  return {
    format,
    entities: (async function* () {
      for await (const raw of raws) yield converted(raw, source);
    })(),
  };
}

/**
 * A converted entity as a structured clone carries it between threads: declarations by name
 * (the type, each relation's field key and target), the row as it is, the position flat.
 */
export type SentEntity = readonly [
  type: string, row: Row, refs: readonly (readonly [field: string, target: string, id: string, name?: string])[],
  line?: number, column?: number, path?: string,
];

export function sentEntity({ converted: { type, row, refs }, where }: ConvertedEntity): SentEntity {
  const { line, column, path } = where();
  return [type.name, row, refs.map((r) => (r.name === undefined ? [r.field.key, r.target.name, r.id] : [r.field.key, r.target.name, r.id, r.name])), line, column, path];
}

export function receivedEntity([typeName, row, refs, line, column, path]: SentEntity): ConvertedEntity {
  const type = typeByName.get(typeName)!;
  return {
    converted: {
      type,
      row,
      refs: refs.map(([key, target, id, name]) => ({ field: fieldByKey(type, key), target: typeByName.get(target)!, id, name })),
    },
    where: () => ({ line, column, path }),
  };
}
