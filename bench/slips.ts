// Printing slips: how long 1,000 and 10,000 take, how big the PDF is, how much memory it takes, against the
// floor of creating the same number of QR matrices with `qrcode` alone.
//   npx tsx bench/slips.ts                     (or: node --expose-gc --import tsx bench/slips.ts, steadier)
// Targets: 1,000 slips within 1 s, 1 MB and 2 × the QR floor, at most 200 MB of memory; 10,000
// streamed with memory that does not grow with the count.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import QRCode from 'qrcode';
import { openDb } from '../src/db/client.js';
import { createMeeting } from '../src/meetings/meetings.usecases.js';
import { loadFormCatalog } from '../src/forms/forms.catalog.js';
import { formsFolder } from '../src/shared/paths.js';
import { formatShortCode, generateShortCode, generateToken } from '../src/slips/codes.js';
import { slipsPdfStream, type PrintableSlip, type SlipSheetInfo } from '../src/slips/pdf.js';
import { issueSlips, sheetInfo } from '../src/slips/slips.usecases.js';
import { qrMatrix } from '../src/shared/qr-path.js';

const PUBLIC_URL = 'https://ceping.example.gov.cn';
const INFO: SlipSheetInfo = { title: '2026年度插旗村党组织政治建设考察暨班子年度考核', unit: '插旗镇插旗村', category: '干部职工', publicUrl: PUBLIC_URL };

export interface SlipsBenchRow {
  count: number;
  /** QRCode.create(url, {errorCorrectionLevel: 'M'}) for every slip: the floor. */
  qrFloorSeconds: number;
  /** The same with the URL passed as one byte segment, as src/slips/qr-path.ts does. */
  qrByteSegmentSeconds: number;
  /** Rendering the PDF of slips already issued (QR matrices, paths, text, deflate). */
  renderSeconds: number;
  /** Issuing the slips in the database (one transaction) and rendering: what POST /slips costs. */
  issueAndRenderSeconds: number;
  bytes: number;
  /** Peak growth while rendering, over the baseline before it (the slips themselves excluded). */
  peakHeapGrowthMB: number;
  peakRssGrowthMB: number;
  renderOverFloor: number;
  /** CPU seconds (user + system) of the floor and of rendering: steadier than wall time on a busy machine. */
  qrFloorCpuSeconds: number;
  renderCpuSeconds: number;
}

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
};

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mb = (n: number) => n / (1024 * 1024);

function makeSlips(count: number): PrintableSlip[] {
  return Array.from({ length: count }, (_, i) => ({ url: `${PUBLIC_URL}/v/${generateToken()}`, shortCode: formatShortCode(generateShortCode()), serial: i + 1 }));
}

/** Streams the PDF into a sink that only counts, yielding to the event loop on every write (like a socket). */
async function render(info: SlipSheetInfo, slips: PrintableSlip[]): Promise<{ seconds: number; cpu: number; bytes: number; peakHeap: number; peakRss: number }> {
  gc();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      setImmediate(done);
    },
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await pipeline(slipsPdfStream(info, slips, sample), sink);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(c0);
  sample();
  return { seconds, cpu, bytes, peakHeap: mb(peakHeap - base.heapUsed), peakRss: mb(peakRss - base.rss) };
}

function timeQr(urls: string[], create: (u: string) => unknown): { seconds: number; cpu: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const u of urls) create(u);
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(c0) };
}

/** Issue + render through the same use cases as POST /api/meetings/:id/slips, on a scratch database. */
async function issueAndRender(count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-bench-slips-'));
  try {
    const db = openDb(join(dir, 'bench.sqlite'));
    const actor = { id: 'bench', username: 'bench', role: 'admin' as const };
    const meeting = await createMeeting({ db, forms: loadFormCatalog(formsFolder) }, actor, {
      title: INFO.title,
      unit: INFO.unit,
      kind: 'village',
      formIds: ['village-secretary-report'],
      subjects: [{ name: '张建国', kind: 'person', title: '党总支书记' }],
    });
    const t0 = performance.now();
    const batch = await issueSlips({ db, publicUrl: PUBLIC_URL }, actor, meeting.meeting.id, { count, reason: '性能测试：大批量打印' });
    await pipeline(slipsPdfStream(await sheetInfo({ db, publicUrl: PUBLIC_URL }, batch), batch.slips), new Writable({ write: (_c, _e, done) => done() }));
    const seconds = (performance.now() - t0) / 1000;
    db.$client.close();
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchSlips(counts: number[] = [1000, 10000]): Promise<SlipsBenchRow[]> {
  // Warm up the code paths and the font once, as a running server has.
  await render(INFO, makeSlips(20));
  const rows: SlipsBenchRow[] = [];
  for (const count of counts) {
    const slips = makeSlips(count);
    const urls = slips.map((s) => s.url);
    const floor = timeQr(urls, (u) => QRCode.create(u, { errorCorrectionLevel: 'M' }));
    const qrByteSegmentSeconds = timeQr(urls, qrMatrix).seconds;
    const r = await render(INFO, slips);
    const issueAndRenderSeconds = await issueAndRender(count);
    rows.push({
      count,
      qrFloorSeconds: floor.seconds,
      qrByteSegmentSeconds,
      renderSeconds: r.seconds,
      issueAndRenderSeconds,
      bytes: r.bytes,
      peakHeapGrowthMB: r.peakHeap,
      peakRssGrowthMB: r.peakRss,
      renderOverFloor: r.seconds / floor.seconds,
      qrFloorCpuSeconds: floor.cpu,
      renderCpuSeconds: r.cpu,
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { loadavg } = await import('node:os');
  const rows = await benchSlips();
  const f = (n: number, d = 2) => n.toFixed(d);
  console.log(`slips bench (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; gc ${typeof (globalThis as { gc?: unknown }).gc === 'function' ? 'exposed' : 'not exposed'})`);
  console.table(
    rows.map((r) => ({
      slips: r.count,
      'QR floor s': f(r.qrFloorSeconds),
      'QR byte-seg s': f(r.qrByteSegmentSeconds),
      'render s': f(r.renderSeconds),
      'floor CPU s': f(r.qrFloorCpuSeconds),
      'render CPU s': f(r.renderCpuSeconds),
      'issue+render s': f(r.issueAndRenderSeconds),
      'PDF KB': Math.round(r.bytes / 1024),
      'KB/slip': f(r.bytes / 1024 / r.count),
      'peak heap +MB': f(r.peakHeapGrowthMB, 1),
      'peak RSS +MB': f(r.peakRssGrowthMB, 1),
      'render/floor': f(r.renderOverFloor),
      'render/byte-seg': f(r.renderSeconds / r.qrByteSegmentSeconds),
    })),
  );
}
