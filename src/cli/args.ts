import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
/** What `parse` returns (spelled out so declarations can name it). */
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O & { help: { type: 'boolean'; short: string } }; allowPositionals: boolean; strict: true }>>;

/** parseArgs with `--help` on every command and usage errors that name the command. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = false): Parsed<O> {
  try {
    return parseArgs({ args: joinNegativeValues(argv, options), options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(oneLine((e as Error).message, options));
  }
}

/** parseArgs explains a missing value before a dash over three lines; every usage error is one. */
function oneLine(message: string, options: Options): string {
  const m = /^Option '-(-?)([^']+)' argument is ambiguous/.exec(message);
  if (!m) return message;
  const name = m[1] ? m[2] : Object.keys(options).find((k) => options[k].short === m[2]);
  return `--${name} needs a value (write --${name}=VALUE for one that starts with a dash)`;
}

/**
 * `--http-port -1` as `--http-port=-1`: parseArgs refuses a value that starts with a dash as
 * ambiguous, but a negative number is never an option, and so the option's own check can say
 * what is wrong with the value.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const takesValue = (arg: string) => arg.startsWith('--') && options[arg.slice(2)]?.type === 'string';
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') return [...out, ...argv.slice(i)];
    if (takesValue(argv[i]) && /^-[\d.]/.test(argv[i + 1] ?? '')) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/** An integer option from `min` to `max`; the default `max` keeps every accepted value exact. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

export const portOption = (value: string | undefined, name: string, fallback: number) => intOption(value, name, fallback, 0, 65_535);
