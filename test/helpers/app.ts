// Builds the real app on a fresh SQLite file per test file, with an admin, and small request helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

export const ADMIN = { username: 'admin', password: 'correct-horse-battery' };

export interface TestApp {
  app: FastifyInstance;
  dir: string;
  config: Config;
  adminToken: string;
  /** inject() as the admin (JSON in, JSON out). */
  api: (method: InjectOptions['method'], url: string, payload?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close: () => Promise<void>;
}

export async function makeTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'ceping-test-'));
  const config = loadConfig({
    CEPING_DB: join(dir, 'ceping.sqlite'),
    PUBLIC_URL: 'http://vote.test',
    CEPING_ADMIN_USER: ADMIN.username,
    CEPING_ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await buildApp(config);
  await app.ready();
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: ADMIN });
  const adminToken = login.json().token as string;
  const api: TestApp['api'] = async (method, url, payload, headers = {}) => {
    const res = await app.inject({
      method,
      url,
      ...(payload !== undefined ? { payload: payload as InjectOptions['payload'] } : {}),
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...headers },
    });
    let body: unknown = res.body;
    try {
      body = res.json();
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body, headers: res.headers };
  };
  return {
    app,
    dir,
    config,
    adminToken,
    api,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A village meeting (村) with its organisation, team and seven members on the three seed-003 forms. */
export const villageMeeting = (overrides: Record<string, unknown> = {}) => ({
  title: '2026年度插旗村党组织政治建设考察暨班子年度考核',
  unit: '插旗镇插旗村',
  kind: 'village',
  formIds: ['village-political-construction', 'village-annual-review', 'village-secretary-report'],
  subjects: [
    { name: '插旗村党总支', kind: 'organisation' },
    { name: '插旗村“两委”班子', kind: 'team' },
    { name: '张建国', kind: 'person', title: '党总支书记、村委会主任', isHead: true },
    { name: '李秀英', kind: 'person', title: '党总支副书记' },
    { name: '王志强', kind: 'person', title: '村委会副主任' },
    { name: '赵丽华', kind: 'person', title: '妇联主席' },
    { name: '陈明', kind: 'person', title: '组织委员' },
    { name: '刘洋', kind: 'person', title: '村务监督委员会主任' },
    { name: '周平', kind: 'person', title: '村委委员' },
  ],
  ...overrides,
});

/** A complete ballot for the voter-facing form JSON: every subject of every graded item gets `grade`. */
export function fullBallot(form: any, pick: (q: any, s?: any) => string = () => 'good'): Record<string, Record<string, unknown>> {
  const answers: Record<string, Record<string, unknown>> = {};
  for (const f of form.forms) {
    const fa: Record<string, unknown> = {};
    for (const q of f.questions) {
      if (q.type === 'graded' && q.subjects) fa[q.id] = Object.fromEntries(q.subjects.map((s: any) => [s.id, pick(q, s)]));
      else if (q.type === 'graded') fa[q.id] = pick(q);
      else if (q.type === 'text' && q.required) fa[q.id] = '无';
      else if (q.type === 'single' && q.required) fa[q.id] = q.options[0].value;
      else if (q.type === 'multiple' && q.required) fa[q.id] = [q.options[0].value];
      else if (q.type === 'nomination' && q.required) fa[q.id] = { options: [q.options[0].value], writeIns: [] };
    }
    answers[f.id] = fa;
  }
  return answers;
}
