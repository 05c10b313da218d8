import { hashPassword } from '../auth/password.js';
import { withStore } from '../store/open.js';
import { ROLES, type Role } from '../store/store.js';
import { parse, UsageError } from './args.js';
import { ensureDataDir, existingStore, STORE_FLAGS, STORE_HELP, storeSettingsFrom } from './store-option.js';

export const USERS_HELP = `Usage: emrest users <command> [options]

Commands:
  add NAME --password P [--role ROLE]   create a user, or set the password and role of an existing one
  list                                  list users and their roles
  remove NAME                           delete a user (and its logon sessions)

Options:
  --password P        the password (stored as an scrypt hash)
  --role ROLE         ${ROLES.join(', ')} (default: PortalAdministrator;
                      None cannot log on)
${STORE_HELP}
                      (add creates the data directory, list and remove fail without it)
  -h, --help          show this help

User names compare case-insensitively (TECH\\admin = tech\\admin).`;

function roleFrom(value = 'PortalAdministrator'): Role {
  const role = ROLES.find((r) => r.toLowerCase() === value.toLowerCase());
  if (!role) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got '${value}'`);
  return role;
}

export async function users(argv: string[]): Promise<void> {
  const { values: o, positionals } = parse(
    argv,
    { password: { type: 'string' }, role: { type: 'string' }, ...STORE_FLAGS },
    true,
  );
  const [command, name, ...extra] = positionals;
  if (o.help || command === undefined) return console.log(USERS_HELP);
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const settings = storeSettingsFrom(o);
  if ((command === 'list' || command === 'remove') && (o.password !== undefined || o.role !== undefined)) {
    throw new UsageError(`--password and --role go with users add, not users ${command}`);
  }
  switch (command) {
    case 'add': {
      if (!name) throw new UsageError('users add needs a NAME');
      const password = o.password;
      if (password === undefined || password === '') throw new UsageError('users add needs --password');
      const role = roleFrom(o.role);
      ensureDataDir(settings);
      return withStore(settings, async (store) => {
        const existed = (await store.getUser(name)) !== undefined;
        await store.putUser({ name, passwordHash: await hashPassword(password), role });
        console.log(`${existed ? 'Updated' : 'Created'} user ${name} (${role})`);
      });
    }
    case 'list':
      if (name) throw new UsageError(`unexpected arguments: ${name}`);
      return withStore(existingStore(settings, 'list'), async (store) => {
        for (const u of await store.listUsers()) console.log(`${u.name}\t${u.role}`);
      });
    case 'remove':
      if (!name) throw new UsageError('users remove needs a NAME');
      return withStore(existingStore(settings, 'remove'), async (store) => {
        if (!(await store.removeUser(name))) throw new UsageError(`no user named ${name}`);
        console.log(`Removed user ${name}`);
      });
    default:
      throw new UsageError(`unknown users command '${command}'`);
  }
}
