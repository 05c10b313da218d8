import { createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { DEFAULT_BASE_URL, EXPORT_FORMATS, exportDocument, writeAll, type ExportFormat } from '../io/export.js';
import { FilterSyntaxError, parseFilter } from '../filter/parse.js';
import { BadQuery, planPredicate, type Predicate } from '../query/plan.js';
import type { TypeDecl } from '../model/index.js';
import { openStore, storeExists, storeLocation } from '../store/open.js';
import { PARENTS_FIRST } from '../store/schema.js';
import { parse, UsageError } from './args.js';
import { STORE_FLAGS, STORE_HELP, storeSettingsFrom } from './store-option.js';

export const EXPORT_HELP = `Usage: emrest export [options]

Writes stored data as Enterprise Manager documents that "emrest import" reads back
identically (export → import → export gives the same bytes).

Options:
  --type T            a type to export, repeatable or comma-separated:
                      ${PARENTS_FIRST.map((t) => t.name).join(', ')}
                      (default: all, in that order: servers and jobs before sessions)
  --filter EXPR       only entities matching an EM filter (the query service's language,
                      e.g. 'CreationTime>=2021-06-01;Result==Failed'); applies to every
                      exported type, so its names must be filter names of each
  --format F          ndjson (default: one entity object per line, all types in one stream),
                      xml or json (one entity-list document per type: <ReplicaJobSessions>,
                      {"ReplicaJobSessions":[…]})
  --output PATH       file to write (default: standard output). For xml and json with more
                      than one type, PATH is a directory that gets one file per type, named
                      01-BackupServers.xml, 02-Jobs.xml, … (zero-padded) so "emrest import
                      PATH" imports them in order
  --base-url URL      base of the hrefs in links (default: ${DEFAULT_BASE_URL})
${STORE_HELP}
  -h, --help          show this help`;

function typesFrom(values: readonly string[] | undefined): TypeDecl[] {
  if (!values || values.length === 0) return [...PARENTS_FIRST];
  const wanted = new Set<TypeDecl>();
  for (const name of values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean)) {
    const t = PARENTS_FIRST.find((x) => x.name.toLowerCase() === name.toLowerCase() || x.listElement.toLowerCase() === name.toLowerCase());
    if (!t) throw new UsageError(`unknown --type '${name}': use ${PARENTS_FIRST.map((x) => x.name).join(', ')}`);
    wanted.add(t);
  }
  return PARENTS_FIRST.filter((t) => wanted.has(t));
}

function baseFrom(url: string | undefined): string {
  if (url === undefined) return DEFAULT_BASE_URL;
  if (!/^https?:\/\/[^/]+/i.test(url)) throw new UsageError(`--base-url must be an http(s) URL, got '${url}'`);
  return url.replace(/\/+$/, '');
}

function filterFor(types: readonly TypeDecl[], text: string | undefined): Map<TypeDecl, Predicate | undefined> {
  const out = new Map<TypeDecl, Predicate | undefined>();
  let ast;
  try {
    ast = text === undefined ? undefined : parseFilter(text);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new UsageError(`--filter: ${e.message}`);
    throw e;
  }
  for (const t of types) {
    try {
      out.set(t, ast && planPredicate(t, ast));
    } catch (e) {
      if (e instanceof BadQuery) throw new UsageError(`--filter for ${t.name}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

async function toFile(path: string, write: (out: Writable) => Promise<void>): Promise<void> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  await Promise.race([write(out), failed]);
  out.end();
  await finished(out);
}

export async function exportCommand(argv: string[]): Promise<void> {
  const { values: o } = parse(argv, {
    type: { type: 'string', multiple: true },
    filter: { type: 'string' },
    format: { type: 'string' },
    output: { type: 'string', short: 'o' },
    'base-url': { type: 'string' },
    ...STORE_FLAGS,
  });
  if (o.help) return console.log(EXPORT_HELP);
  const format = (o.format ?? 'ndjson').toLowerCase() as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${o.format}'`);
  const types = typesFrom(o.type);
  const where = filterFor(types, o.filter);
  const base = baseFrom(o['base-url']);
  const output = o.output;
  const toDirectory =
    format !== 'ndjson' && (types.length > 1 || (output !== undefined && existsSync(output) && statSync(output).isDirectory()));
  if (toDirectory && output === undefined) {
    throw new UsageError(`--format ${format} writes one document per type: give --output DIR, one --type, or use --format ndjson`);
  }
  const settings = storeSettingsFrom(o);
  if (!storeExists(settings)) throw new UsageError(`no database at ${storeLocation(settings)} (give --data-dir)`);

  const store = await openStore(settings);
  const counts = new Map<TypeDecl, number>();
  const docs = (t: TypeDecl) =>
    exportDocument(store, t, format, { base, where: where.get(t), onRows: (n) => counts.set(t, (counts.get(t) ?? 0) + n) });
  const written: string[] = [];
  try {
    if (toDirectory) {
      mkdirSync(output!, { recursive: true });
      for (const [i, t] of types.entries()) {
        // Zero-padded, so that import, reading a directory in name order, reads parents first.
        const file = join(output!, `${String(i + 1).padStart(String(types.length).length, '0')}-${t.listElement}.${format}`);
        await toFile(file, async (out) => void (await writeAll(out, docs(t))));
        written.push(file);
      }
    } else {
      const all = async function* () {
        for (const t of types) yield* docs(t);
      };
      if (output === undefined) {
        // A reader that stops early (`| head`) is not an error.
        process.stdout.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code === 'EPIPE') process.exit(0);
          throw e;
        });
        await writeAll(process.stdout, all());
      } else {
        await toFile(output, async (out) => void (await writeAll(out, all())));
        written.push(output);
      }
    }
  } finally {
    await store.close();
  }
  const summary = types.map((t) => `${counts.get(t) ?? 0} ${t.name}`).join(', ');
  console.error(`Exported ${summary}${written.length ? ` to ${written.length === 1 ? written[0] : output}` : ''}`);
}
