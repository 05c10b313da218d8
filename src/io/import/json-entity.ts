import type { TypeDecl } from '../../model/index.js';
import type { Where } from './errors.js';
import { keyOffset } from './json-brackets.js';
import { positionIn, type Json, type Position } from './json-scanner.js';
import type { RawEntity, RawLink, RawScalar } from './mapping.js';

/** One entity of a JSON input, parsed, with its text for the positions of its properties. */
export class JsonEntity implements RawEntity {
  readonly syntax = 'json';
  readonly typeName: string | undefined;
  constructor(
    private readonly obj: { [key: string]: Json },
    private readonly text: string,
    private readonly at: Position,
    private readonly path: string | undefined,
    readonly listType: TypeDecl | undefined,
  ) {
    const type = obj.Type;
    this.typeName = type === undefined ? undefined : String(type);
  }

  value(name: string): RawScalar | undefined {
    return Object.hasOwn(this.obj, name) ? (this.obj[name] as RawScalar) : undefined;
  }

  get links(): readonly RawLink[] | string {
    const links = this.obj.Links;
    if (links === undefined || links === null) return [];
    if (!Array.isArray(links)) return 'Links must be an array of link objects';
    const out: RawLink[] = [];
    for (const l of links) {
      if (typeof l !== 'object' || l === null || Array.isArray(l)) return 'Links must be an array of link objects';
      const [rel, type, href, name] = ['Rel', 'Type', 'Href', 'Name'].map((k) => l[k] ?? undefined);
      if (![rel, type, href, name].every((v) => v === undefined || typeof v === 'string')) {
        return 'link properties Rel, Type, Href and Name must be strings';
      }
      out.push({ rel, type, href, name } as RawLink);
    }
    return out;
  }

  where(field?: string): Where {
    const path = this.path === undefined ? undefined : field === undefined ? this.path : `${this.path}.${field}`;
    const offset = field === undefined ? -1 : keyOffset(this.text, field);
    const p = offset < 0 ? this.at : positionIn(this.at, this.text, offset);
    return { line: p.line, column: p.column, path };
  }
}
