// `ceping keys`: where the key file is, and rotating a key. Run it with the server stopped (the server reads its
// keys at start); rotating the session key logs everyone out, rotating the live-ticket key ends live streams.
import { existsSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { openKeyFile, ROTATABLE_KEYS, type KeyName } from '../db/keys.js';

const HELP = `Usage: ceping keys <path | rotate <name>> [--key-file <path>]

  path            print where the key file is (CEPING_KEY_FILE, else beside CEPING_DB)
  rotate <name>   replace a key by a new random one: ${ROTATABLE_KEYS.join(', ')}
                  (short-code-pepper cannot be rotated: every short code already printed is stored under it)

Stop the server first, and start it again after a rotation. The key file is not part of a database backup:
back it up on its own, as carefully as the server.`;

export async function run(argv: string[]): Promise<number> {
  const at = argv.indexOf('--key-file');
  const explicit = at >= 0 ? argv[at + 1] : undefined;
  const args = at >= 0 ? argv.filter((_, i) => i !== at && i !== at + 1) : argv;
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return args.length === 0 ? 2 : 0;
  }
  const path = explicit ?? loadConfig().keyFile;
  if (path === null) {
    console.error('An in-memory database has no key file.');
    return 2;
  }
  if (args[0] === 'path') {
    console.log(`${path}${existsSync(path) ? '' : ' (not created yet: the server creates it at its first start)'}`);
    return 0;
  }
  if (args[0] === 'rotate') {
    const name = args[1] as KeyName | undefined;
    if (!name || !ROTATABLE_KEYS.includes(name)) {
      console.error(`Name one of: ${ROTATABLE_KEYS.join(', ')}.${name === 'short-code-pepper' ? ' The short-code pepper cannot be rotated: every short code already printed is stored under it.' : ''}`);
      return 2;
    }
    openKeyFile(path).rotate(name);
    console.log(`Rotated ${name} in ${path}. Start the server again to use it.`);
    return 0;
  }
  console.error(HELP);
  return 2;
}
