import { SaxesParser, type SaxesTagNS } from 'saxes';
import { TYPES, type TypeDecl } from '../../model/index.js';
import { NAMESPACE } from '../../represent/model.js';
import { ImportError, type Where } from './errors.js';
import { REFERENCES_REJECTED, typeByList, typeByName, type RawEntity, type RawLink, type RawScalar } from './mapping.js';

interface Located {
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
}

class XmlEntity implements RawEntity {
  readonly syntax = 'xml';
  readonly attributes = new Map<string, string>();
  readonly elements = new Map<string, Located>();
  readonly linkList: RawLink[] = [];
  constructor(
    readonly typeName: string,
    readonly listType: TypeDecl | undefined,
    readonly line: number,
    readonly column: number,
    readonly path: string,
  ) {}
  get typeAttribute(): string | undefined {
    return this.attributes.get('Type');
  }
  get links(): readonly RawLink[] {
    return this.linkList;
  }
  value(name: string, as: 'attribute' | 'element'): RawScalar | undefined {
    return as === 'attribute' ? this.attributes.get(name) : this.elements.get(name)?.text;
  }
  where(field?: string): Where {
    const el = field === undefined ? undefined : this.elements.get(field);
    if (el) return { line: el.line, column: el.column, path: el.path };
    const suffix = field === undefined ? '' : this.attributes.has(field) ? `/@${field}` : field === 'Links' ? '/Links' : '';
    return { line: this.line, column: this.column, path: this.path + suffix };
  }
}

type Frame =
  | { readonly kind: 'query' | 'entities' | 'skip' | 'link' }
  | { readonly kind: 'list'; readonly type: TypeDecl; count: number }
  | { readonly kind: 'entity'; readonly entity: XmlEntity }
  | { readonly kind: 'links'; readonly entity: XmlEntity }
  | {
      readonly kind: 'field'; readonly entity: XmlEntity; readonly name: string; readonly nil: boolean;
      readonly line: number; readonly column: number; readonly path: string; text: string;
    };

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** Element-rendered field names per type. */
const elementNames = new Map(
  TYPES.map((t) => [t.name, new Set(t.fields.flatMap((f) => (f.render?.as === 'element' ? [f.render.name] : [])))]),
);

const ROOTS = `QueryResult, an entity list (${TYPES.map((t) => t.listElement).join(', ')}) or one entity`;

/**
 * Entities of an EM XML document, streamed: `QueryResult` (Entities format), an entity list
 * (`<ReplicaJobSessions>`) or a single entity. The parser is fed chunk by chunk; entities are
 * handed out as their end tags arrive, so memory stays bounded by one chunk's entities.
 * Elements an entity has but the registry does not declare (e.g. a Job's `JobScheduleOptions`)
 * are skipped. Errors carry line, column and element path.
 */
export async function* readXml(chunks: AsyncIterable<string>, source: string): AsyncGenerator<RawEntity> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const frames: Frame[] = [];
  const names: string[] = [];
  const ready: XmlEntity[] = [];
  let tagLine = 1, tagColumn = 1;
  let sawRoot = false;

  const path = () => '/' + names.join('/');
  const fail = (reason: string, where: Where = { line: tagLine, column: tagColumn, path: path() }): never => {
    throw new ImportError(source, reason, where);
  };
  parser.on('error', (e) => {
    const reason = e.message.replace(/^\d+:\d+: /, '');
    fail(`malformed XML: ${reason}`, { line: parser.line, column: parser.column + 1, path: names.length ? path() : undefined });
  });
  parser.on('opentagstart', (tag) => {
    tagLine = parser.line;
    // The parser has read `<`, the name and the character after it.
    tagColumn = Math.max(1, parser.column - tag.name.length - 1);
  });

  const inNamespace = (tag: SaxesTagNS) => {
    if (tag.uri !== NAMESPACE) {
      fail(`element <${tag.name}> is not in the Enterprise Manager namespace (xmlns="${NAMESPACE}")`);
    }
  };
  const entityFrame = (tag: SaxesTagNS, type: TypeDecl | undefined, listType?: TypeDecl): Frame => {
    const entity = new XmlEntity(type?.name ?? tag.local, listType, tagLine, tagColumn, path());
    for (const a of Object.values(tag.attributes)) if (a.uri === '') entity.attributes.set(a.local, a.value);
    return { kind: 'entity', entity };
  };

  parser.on('opentag', (tag) => {
    const top = frames[frames.length - 1];
    const name = tag.local;
    let frame: Frame = { kind: 'skip' };
    if (top && (top.kind === 'skip' || top.kind === 'link')) {
      names.push(name);
      frames.push({ kind: 'skip' });
      return;
    }
    names.push(name);
    if (!top) {
      sawRoot = true;
      inNamespace(tag);
      if (name === 'QueryResult') frame = { kind: 'query' };
      else if (name === 'EntityReferences' || name === 'EntityRef') frame = fail(REFERENCES_REJECTED);
      else if (typeByList.has(name)) frame = { kind: 'list', type: typeByList.get(name)!, count: 0 };
      else if (typeByName.has(name)) frame = entityFrame(tag, typeByName.get(name));
      else frame = fail(`unexpected root element <${tag.name}>: expected ${ROOTS}`);
    } else {
      switch (top.kind) {
        case 'query':
          inNamespace(tag);
          if (name === 'Entities') frame = { kind: 'entities' };
          else if (name === 'Refs') frame = fail(REFERENCES_REJECTED);
          else if (name === 'PagingInfo') frame = { kind: 'skip' };
          else frame = fail(`unexpected element <${tag.name}> in QueryResult: expected Entities`);
          break;
        case 'entities':
          inNamespace(tag);
          if (!typeByList.has(name)) frame = fail(`unexpected element <${tag.name}> in Entities: expected one of ${[...typeByList.keys()].join(', ')}`);
          else frame = { kind: 'list', type: typeByList.get(name)!, count: 0 };
          break;
        case 'list':
          inNamespace(tag);
          if (name === 'Ref') fail(REFERENCES_REJECTED);
          if (name !== (top.type.element ?? top.type.name)) fail(`unexpected element <${tag.name}> in ${top.type.listElement}: expected <${top.type.element ?? top.type.name}>`);
          names[names.length - 1] = `${name}[${++top.count}]`;
          frame = entityFrame(tag, top.type, top.type);
          break;
        case 'entity': {
          const entity = top.entity;
          const field = elementNames.get(entity.typeName)?.has(name);
          if (tag.uri !== NAMESPACE) frame = { kind: 'skip' };
          else if (name === 'Links') frame = { kind: 'links', entity };
          else if (field) {
            if (entity.elements.has(name)) fail(`duplicate element <${name}>`);
            // `xsi:nil="true"` (how .NET may write a null): the value is absent.
            const nil = Object.values(tag.attributes).some((a) => a.uri === XSI && a.local === 'nil' && a.value.trim() === 'true');
            frame = { kind: 'field', entity, name, nil, line: tagLine, column: tagColumn, path: path(), text: '' };
          } else frame = { kind: 'skip' }; // not modelled here (JobScheduleOptions, JobInfo, …)
          break;
        }
        case 'links':
          if (tag.uri === NAMESPACE && name === 'Link') {
            const attr = (n: string) => tag.attributes[n]?.value;
            top.entity.linkList.push({ rel: attr('Rel'), type: attr('Type'), href: attr('Href'), name: attr('Name') });
            frame = { kind: 'link' };
          } else frame = { kind: 'skip' };
          break;
        case 'field':
          frame = fail(`unexpected element <${tag.name}> inside <${top.name}>: expected a value`);
          break;
      }
    }
    frames.push(frame);
  });

  const onText = (text: string) => {
    const top = frames[frames.length - 1];
    if (top?.kind === 'field') top.text += text;
    else if (top && top.kind !== 'skip' && /\S/.test(text)) {
      fail(`unexpected text '${text.trim().slice(0, 40)}'`, { line: parser.line, column: parser.column + 1, path: path() });
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);

  parser.on('closetag', () => {
    const frame = frames.pop()!;
    names.pop();
    if (frame.kind === 'field') {
      if (!frame.nil) frame.entity.elements.set(frame.name, { text: frame.text, line: frame.line, column: frame.column, path: frame.path });
    } else if (frame.kind === 'entity') {
      ready.push(frame.entity);
    }
  });

  for await (const chunk of chunks) {
    parser.write(chunk);
    if (ready.length) yield* ready.splice(0);
  }
  parser.close();
  if (!sawRoot) fail('no root element');
  yield* ready.splice(0);
}
