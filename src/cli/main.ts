#!/usr/bin/env node
// The ceping command. Each subcommand lives in its own file and is loaded only when used.
const commands: Record<string, { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }> = {};

export function registerCommand(name: string, summary: string, load: () => Promise<{ run: (argv: string[]) => Promise<number> }>): void {
  commands[name] = { summary, load };
}

// Subcommands (one line each; keep sorted).
registerCommand('backup', 'Online backup of the database to a file', () => import('./backup.js'));
registerCommand('copy-to-postgres', 'Copy a stopped SQLite database and its ballot box onto an empty PostgreSQL database', () => import('./copy-to-postgres.js'));
registerCommand('keys', 'Show where the key file is, or rotate a key', () => import('./keys.js'));
registerCommand('slips', 'Print ballot slips (or paper ballots) to a PDF from the database', () => import('./slips.js'));
registerCommand('users', 'Manage accounts on the database directly (create, reset a password, disable, unlock)', () => import('./users.js'));

function usage(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `Usage: ceping <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "ceping <command> --help" for the options of a command.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  return (await cmd.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
