// `ceping users`: manage accounts on the database directly, for when nobody can log in (a forgotten password, a
// locked-out admin, a first user on an existing database). Passwords are read from standard input, never from
// the command line (which shell histories and process lists keep).
import { createInterface } from 'node:readline';
import { loadConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { openDatabase } from '../db/open.js';
import { createUser, listUserViews, resetPassword, unlockLogins, updateUserByAdmin, userByName, type Role } from '../auth/index.js';
import { AppError } from '../shared/errors.js';

const HELP = `Usage: ceping users <command> [--db <path>]

  list                              every account, with its role and whether it is disabled
  create <username> <admin|assessor>  a new account; the password is read from standard input
  reset-password <username>         a new password, read from standard input; the user's sessions end
  disable <username> | enable <username>
  unlock [<username>]               lift the login lockouts of one user (all addresses), or of everyone

Works on the database directly (CEPING_DB, or --db), also while the server runs.
Example:  printf '%s\\n' 'a-long-new-password' | npx ceping users reset-password admin`;

const CLI_ACTOR = { id: null, username: 'ceping users (命令行)' } as const;

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (at least 12 characters): ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  throw new Error('No password on standard input.');
}

export async function runUsers(db: Db, args: string[], input: () => Promise<string> = readPassword): Promise<number> {
  const [command, name, role] = args;
  switch (command) {
    case 'list':
      for (const u of await listUserViews({ db })) console.log(`${u.username}\t${u.role}${u.disabled ? '\t(disabled)' : ''}`);
      return 0;
    case 'create': {
      if (!name || (role !== 'admin' && role !== 'assessor')) return usage();
      const password = await input();
      if ([...password].length < 12) throw new AppError(422, 'WEAK_PASSWORD', 'The password must have at least 12 characters.');
      await createUser({ db }, CLI_ACTOR.username, { username: name, password, role: role as Role });
      console.log(`Created ${role} ${name}.`);
      return 0;
    }
    case 'reset-password': {
      if (!name) return usage();
      const user = await userByName({ db }, name);
      const password = await input();
      if ([...password].length < 12) throw new AppError(422, 'WEAK_PASSWORD', 'The password must have at least 12 characters.');
      await resetPassword({ db }, CLI_ACTOR.username, user.id, password);
      console.log(`New password set for ${name}; their sessions have ended.`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      if (!name) return usage();
      await updateUserByAdmin({ db }, CLI_ACTOR, (await userByName({ db }, name)).id, { disabled: command === 'disable' });
      console.log(`${command === 'disable' ? 'Disabled' : 'Enabled'} ${name}.`);
      return 0;
    }
    case 'unlock': {
      if (name) await userByName({ db }, name);
      const n = await unlockLogins({ db }, CLI_ACTOR.username, name);
      console.log(`Lifted ${n} login lockout record(s)${name ? ` of ${name}` : ''}.`);
      return 0;
    }
    default:
      return usage();
  }
}

function usage(): number {
  console.error(HELP);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const at = argv.indexOf('--db');
  const config = loadConfig(at >= 0 && argv[at + 1] ? { ...process.env, CEPING_DB: argv[at + 1] } : process.env);
  const args = at >= 0 ? argv.filter((_, i) => i !== at && i !== at + 1) : argv;
  const { db, close } = await openDatabase(config);
  try {
    return await runUsers(db, args);
  } catch (e) {
    // A known refusal (a weak password, the last admin): its message, not a stack.
    if (e instanceof AppError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  } finally {
    await close();
  }
}
