import { StoreUnavailableError } from '../store/store.js';
import { UsageError } from './args.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { seed } from './seed.js';
import { serve } from './serve.js';
import { users } from './users.js';

const HELP = `Usage: emrest <command> [options]

A Veeam Backup Enterprise Manager REST API server for developing and testing integrations.

Commands:
  serve     serve the API (HTTP 9399, HTTPS 9398 on 127.0.0.1 by default)
  users     add, list and remove users who can log on
  seed      write a deterministic demo fleet into the data directory
  import    load documents captured from a real Enterprise Manager (XML, JSON, NDJSON)
  export    write stored data as Enterprise Manager documents (import reads them back)

Run "emrest <command> --help" for a command's options.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  serve, users, seed, import: importCommand, export: exportCommand,
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return;
  }
  const run = COMMANDS[command];
  if (!run) throw new UsageError(`unknown command '${command}'\n\n${HELP}`);
  await run(rest);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`emrest: ${e.message}`);
    process.exit(2);
  }
  // One line, no stack: the database named is down or wrong, which the user fixes, like a usage error.
  if (e instanceof StoreUnavailableError) {
    console.error(`emrest: cannot reach the database: ${e.reason}`);
    process.exit(2);
  }

  console.error(`emrest: ${(e as Error).message}`);
  process.exit(1);
});
