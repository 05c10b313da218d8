import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { importData, ImportError, type ImportFile, type ImportInput, type ImportResult } from '../io/import/index.js';
import { DUPLICATE_ID, loadStore, openStore, storeExists } from '../store/open.js';
import { PARENTS_FIRST } from '../store/schema.js';
import { parse, UsageError } from './args.js';
import { ensureDataDir, STORE_FLAGS, STORE_HELP, storeSettingsFrom } from './store-option.js';

export const IMPORT_HELP = `Usage: emrest import FILE… [options]

Imports what you captured from a real Enterprise Manager, format detected from the content:
  - XML or JSON QueryResult documents in the Entities format
    (/api/query?type=ReplicaJobSession&format=Entities…)
  - entity lists (<ReplicaJobSessions>, <BackupJobSessions>, <ReplicaTaskSessions>,
    <BackupTaskSessions>, <BackupServers>, <Jobs>, or {"ReplicaJobSessions":[…]} …)
    and single entities (/api/replicaSessions?format=Entity, /api/replicaSessions/{ID}?format=Entity)
  - NDJSON: one entity object per line in EM's JSON shape (each with "Type"), as
    "emrest export" writes it
References-format documents (no format=Entities) carry too little and are rejected.

FILE "-" reads standard input; a directory imports its files in name order (as
"emrest export --output DIR" names them). Rows are upserted by UID: importing the same file
again changes nothing. Backup servers and jobs that appear only in links (Up
BackupServerReference, Up JobReference) are created from the links. Each file is imported in
one transaction: a malformed file is rejected whole, with the line, column and element path
of the problem; import stops there (files before it stay imported). One file into a data
directory without a database is loaded as "emrest seed" loads one: built aside, indexes built
at the end, the database appearing only when complete.

Options:
${STORE_HELP}
  -h, --help          show this help`;

interface Named {
  readonly name: string;
  readonly open: () => ImportInput | ImportFile;
  /** A file, which can be read a second time (standard input cannot). */
  readonly file: boolean;
}

/** Files to import: `-` is stdin, a directory is its visible files in name order. */
function expand(args: readonly string[]): Named[] {
  const out: Named[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push({ name: '<stdin>', open: () => process.stdin, file: false });
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(arg).isDirectory();
    } catch (e) {
      throw new UsageError(`cannot read ${arg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    const files = isDir
      ? readdirSync(arg, { withFileTypes: true }).filter((d) => d.isFile() && !d.name.startsWith('.')).map((d) => join(arg, d.name)).sort()
      : [arg];
    for (const file of files) out.push({ name: file, open: () => ({ file }), file: true });
  }
  return out;
}

function report(name: string, r: ImportResult): string {
  const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  const width = Math.max(...PARENTS_FIRST.map((t) => t.name.length));
  const lines = [`${name}: ${r.format.toUpperCase()}, ${r.entities} entities: ${total(r.inserted)} inserted, ${total(r.updated)} updated`];
  for (const t of PARENTS_FIRST) {
    lines.push(`  ${t.name.padEnd(width)}  ${String(r.inserted[t.name]).padStart(8)} inserted  ${String(r.updated[t.name]).padStart(8)} updated`);
  }
  return lines.join('\n');
}

export async function importCommand(argv: string[]): Promise<void> {
  const { values: o, positionals } = parse(argv, STORE_FLAGS, true);
  if (o.help) return console.log(IMPORT_HELP);
  if (positionals.length === 0) throw new UsageError(`import needs at least one FILE (or - for standard input)\n\n${IMPORT_HELP}`);
  if (positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be imported only once');
  const inputs = expand(positionals);
  const settings = storeSettingsFrom(o);
  ensureDataDir(settings);
  const failed = (e: unknown, i: number): Error => {
    const rest = inputs.length - i - 1;
    const note = i > 0 || rest > 0 ? ` (nothing of it was imported${i > 0 ? '; the files before it were' : ''}${rest > 0 ? `; ${rest} later file(s) skipped` : ''})` : ' (nothing was imported)';
    if (e instanceof ImportError) return new Error(`${e.message}${note}`);
    const err = e as NodeJS.ErrnoException;
    return new Error(`${inputs[i].name}: ${err.code === 'EISDIR' ? 'is a directory' : err.message}${note}`);
  };
  // One file into a data directory without a database is loaded as seeding loads (built aside,
  // every index built once at the end, appearing only when complete): its inserts ran 2.5x
  // faster than upserts into live indexes at 100k sessions, and nothing goes through the WAL. A file that repeats an id cannot be loaded so; it is then
  // imported the ordinary way, where the later entity updates the earlier.
  if (inputs.length === 1 && inputs[0].file && !storeExists(settings)) {
    const [input] = inputs;
    try {
      const result = await loadStore(settings, (store) => importData(store, input.open(), input.name));
      return console.log(report(input.name, result));
    } catch (e) {
      if ((e as { code?: string }).code !== DUPLICATE_ID) throw failed(e, 0);
    }
  }
  const store = await openStore(settings);
  try {
    for (const [i, input] of inputs.entries()) {
      let result: ImportResult;
      try {
        result = await importData(store, input.open(), input.name);
      } catch (e) {
        throw failed(e, i);
      }
      console.log(report(input.name, result));
    }
  } finally {
    await store.close();
  }
}
