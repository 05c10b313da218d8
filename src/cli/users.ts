import { hashPassword } from '../auth/password.js';
import { databasePath, dataDirFrom, DEFAULTS } from '../config.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { ROLES, type Role } from '../store/store.js';
import { mkdirSync } from 'node:fs';
import { parse, UsageError } from './args.js';

export const USERS_HELP = `Usage: emrest users <command> [options]

Commands:
  add NAME --password P [--role ROLE]   create a user, or set the password and role of an existing one
  list                                  list users and their roles
  remove NAME                           delete a user (and its logon sessions)

Options:
  --password P        the password (stored as an scrypt hash)
  --role ROLE         ${ROLES.join(', ')} (default: PortalAdministrator;
                      None cannot log on)
  --data-dir DIR      data directory (default: $EMREST_DATA_DIR or ./${DEFAULTS.dataDir})
  -h, --help          show this help

User names compare case-insensitively (TECH\\admin = tech\\admin).`;

export async function users(argv: string[]): Promise<void> {
  const { values: o, positionals } = parse(
    argv,
    { password: { type: 'string' }, role: { type: 'string' }, 'data-dir': { type: 'string' } },
    true,
  );
  const [command, name, ...extra] = positionals;
  if (o.help || command === undefined) return console.log(USERS_HELP);
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const dataDir = dataDirFrom(o['data-dir']);
  mkdirSync(dataDir, { recursive: true });
  const store = openSqliteStore(databasePath(dataDir));
  try {
    switch (command) {
      case 'add': {
        if (!name) throw new UsageError('users add needs a NAME');
        if (o.password === undefined || o.password === '') throw new UsageError('users add needs --password');
        const role = (ROLES.find((r) => r.toLowerCase() === (o.role ?? 'PortalAdministrator').toLowerCase())) as Role | undefined;
        if (!role) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        const existed = (await store.getUser(name)) !== undefined;
        await store.putUser({ name, passwordHash: await hashPassword(o.password), role });
        console.log(`${existed ? 'Updated' : 'Created'} user ${name} (${role})`);
        break;
      }
      case 'list':
        for (const u of await store.listUsers()) console.log(`${u.name}\t${u.role}`);
        break;
      case 'remove':
        if (!name) throw new UsageError('users remove needs a NAME');
        if (!(await store.removeUser(name))) throw new UsageError(`no user named ${name}`);
        console.log(`Removed user ${name}`);
        break;
      default:
        throw new UsageError(`unknown users command '${command}'`);
    }
  } finally {
    await store.close();
  }
}
