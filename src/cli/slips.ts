// `ceping slips`: issue slips and print them to a PDF file offline, from the same database the server uses
// (CEPING_DB and PUBLIC_URL read as the server reads them). Like the HTTP route, the slips are issued in one
// transaction first and their tokens exist only in the PDF; if writing the PDF fails, the batch is voided, so
// no slip stays issued that nobody holds.
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Presets, SingleBar } from 'cli-progress';
import { isLoopbackUrl, loadConfig } from '../config.js';
import { openDatabase } from '../db/open.js';
import { loadFormCatalog } from '../forms/index.js';
import { issuePaperBallots, paperBallotsPdfStream } from '../paper/index.js';
import type { SessionUser } from '../auth/index.js';
import { formsFolder } from '../shared/paths.js';
import { issueSlips, sheetInfo, slipsPdfStream, voidSlips } from '../slips/index.js';

const HELP = `Usage: ceping slips --meeting <id> --count <n> --out <file.pdf> [--category <key>] [--paper] [--db <path>] [--force]

Issues <n> one-time ballot slips for a meeting and prints them to a PDF (A4, 10 slips a sheet, cut marks).
  --meeting <id>     the meeting
  --count <n>        how many slips (1 to 10000; paper ballots 1 to 2000)
  --category <key>   the respondent category, when the meeting has categories
  --reason <text>    why, when the meeting's slips would pass ten times its sign-in (or minimum) count
  --confirm-public-url <url>  print although PUBLIC_URL names this machine (no phone can open such QR codes)
  --paper            print paper ballots (the full questionnaire, QR and code in a corner) instead of slips
  --out <file>       where to write the PDF
  --db <path>        the database (default: $CEPING_DB, else ./data/ceping.sqlite)
  --force            overwrite <file> if it exists
PUBLIC_URL (as for the server) is the address in the QR codes.

The tokens exist only in this PDF: print it, then delete it. If writing fails the batch is voided.`;

interface Options {
  meeting: string;
  count: number;
  category?: string;
  reason?: string;
  confirmPublicUrl?: string;
  out: string;
  paper: boolean;
  force: boolean;
  db?: string;
}

function parse(argv: string[]): Options | string {
  const o: Partial<Options> = { paper: false, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value.`);
      return v;
    };
    if (a === '--meeting') o.meeting = value();
    else if (a === '--count') o.count = /^\d+$/.test(argv[i + 1] ?? '') ? Number(value()) : NaN;
    else if (a === '--category') o.category = value();
    else if (a === '--reason') o.reason = value();
    else if (a === '--confirm-public-url') o.confirmPublicUrl = value();
    else if (a === '--out') o.out = value();
    else if (a === '--db') o.db = value();
    else if (a === '--paper') o.paper = true;
    else if (a === '--force') o.force = true;
    else return `Unknown option ${a}.`;
  }
  if (!o.meeting) return 'Missing --meeting.';
  const max = o.paper ? 2000 : 10000;
  if (o.count === undefined || !Number.isInteger(o.count) || o.count < 1 || o.count > max) return `--count must be a whole number from 1 to ${max}.`;
  if (!o.out) return 'Missing --out.';
  return o as Options;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  let opts: Options | string;
  try {
    opts = parse(argv);
  } catch (e) {
    opts = (e as Error).message;
  }
  if (typeof opts === 'string') {
    console.error(`${opts}\n\n${HELP}`);
    return 2;
  }
  const config = loadConfig({ ...process.env, ...(opts.db ? { CEPING_DB: opts.db } : {}) });
  if (isLoopbackUrl(config.publicUrl) && opts.confirmPublicUrl !== config.publicUrl) {
    console.error(
      `PUBLIC_URL is ${config.publicUrl}, an address of this machine: no phone can open these QR codes. Set PUBLIC_URL to the address phones use (e.g. http://<this computer's LAN address>:3000), or, to print for a test on this machine, pass --confirm-public-url ${config.publicUrl}.`,
    );
    return 2;
  }
  const out = resolve(opts.out);
  if (existsSync(out) && !opts.force) {
    console.error(`${out} exists; choose another name or pass --force.`);
    return 2;
  }
  if (config.dbPath !== null && !existsSync(config.dbPath)) {
    console.error(`No database at ${config.dbPath}.`);
    return 2;
  }
  const { db, close } = await openDatabase(config);
  const actor: SessionUser = { id: 'cli', username: `cli:${userInfo().username}`, role: 'admin' };
  const deps = { db, publicUrl: config.publicUrl };
  const input = { count: opts.count, ...(opts.category ? { category: opts.category } : {}), ...(opts.reason ? { reason: opts.reason } : {}) };
  const partial = `${out}.partial`;
  let batchId: string | null = null;
  const bar = new SingleBar({ format: `${opts.paper ? 'paper ballots' : 'slips'} [{bar}] {value}/{total} | {eta}s left`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  try {
    let stream;
    if (opts.paper) {
      const printed = await issuePaperBallots({ ...deps, forms: loadFormCatalog(formsFolder) }, actor, opts.meeting, input);
      batchId = printed.batch.batchId;
      stream = { batch: printed.batch, pdf: () => paperBallotsPdfStream(printed.info, printed.forms, printed.batch.slips, (done) => bar.update(done)) };
    } else {
      const batch = await issueSlips(deps, actor, opts.meeting, input);
      batchId = batch.batchId;
      stream = { batch, pdf: async () => slipsPdfStream(await sheetInfo(deps, batch), batch.slips, (done) => bar.update(done)) };
    }
    const large = opts.count >= 200;
    if (large) bar.start(opts.count, 0);
    await pipeline(await stream.pdf(), createWriteStream(partial));
    if (large) {
      bar.update(opts.count);
      bar.stop();
    }
    renameSync(partial, out);
    const serials = stream.batch.slips.map((s) => s.serial);
    console.log(
      `Printed ${serials.length} ${opts.paper ? 'paper ballots' : 'slips'} (serials ${serials[0]}–${serials[serials.length - 1]}, batch ${batchId}) to ${out} (${Math.round(statSync(out).size / 1024)} KB). ` +
        'The tokens exist only in this file.',
    );
    return 0;
  } catch (err) {
    bar.stop();
    rmSync(partial, { force: true });
    if (batchId !== null) {
      await voidSlips({ db }, actor, opts.meeting, { batchId, reason: '打印失败，整批作废（ceping slips）' });
      console.error(`Printing failed; batch ${batchId} was voided.`);
    }
    const e = err as Error & { code?: string };
    console.error(e.code && /^[A-Z_]+$/.test(e.code) ? `${e.code}: ${e.message}` : e.message);
    return 1;
  } finally {
    await close();
  }
}
