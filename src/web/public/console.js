// Ceping admin console (测评管理). Plain modern JS, no build step. The CSP allows scripts and styles from 'self'
// only, so nothing here writes inline styles or handlers, and every piece of data reaches the page through
// textContent or an attribute, never through innerHTML.

import { decodeCsv, subjectsFromText } from './console-import.js';

const main = document.getElementById('main');
const SESSION_KEY = 'ceping.session';
let session = readSession();
let timers = [];
/** Bumped on every navigation: a view that finishes loading after the user moved on must not draw. */
let routeGen = 0;

// ---------------------------------------------------------------- DOM helpers

function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}
function setAttrs(e, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else if (k === 'class') e.setAttribute('class', v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else if (k === 'checked' || k === 'selected') e[k] = Boolean(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}
function append(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
}
const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}

function show(title, ...nodes) {
  document.title = `${title} · 民主测评管理`;
  main.replaceChildren(...nodes.flat().filter(Boolean));
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

function toast(text, kind = 'ok') {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 5000);
}

/** An error box (role=alert) whose text a failed action replaces. */
function errorBox() {
  const box = h('div', { class: 'error', role: 'alert', hidden: true });
  box.set = (err) => {
    box.replaceChildren();
    if (!err) return void (box.hidden = true);
    const msg = typeof err === 'string' ? err : err.message;
    box.append(h('p', { text: msg }));
    if (err.details && Array.isArray(err.details) && err.details.length > 1) {
      box.append(h('ul', {}, err.details.map((d) => h('li', { text: typeof d === 'string' ? d : d.message || JSON.stringify(d) }))));
    }
    box.hidden = false;
  };
  return box;
}

/** Runs an async action from a button: disables it meanwhile, shows a failure in `box` (or a toast). */
function action(button, box, fn) {
  return async (ev) => {
    if (ev) ev.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    box?.set(null);
    try {
      await fn();
    } catch (err) {
      if (err.sessionEnded) return;
      if (box) box.set(err);
      else toast(err.message, 'bad');
    } finally {
      button.disabled = false;
    }
  };
}

function field(label, control, help) {
  const id = control.id || `f${++field.n}`;
  control.id = id;
  const helpId = help ? `${id}-help` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, help ? h('p', { class: 'help', id: helpId, text: help }) : null);
}
field.n = 0;

const fmt = {
  int: (n) => (n === null || n === undefined ? '—' : String(n)),
  pct: (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`),
  num: (x) => (x === null || x === undefined ? '—' : (Math.round(x * 100) / 100).toFixed(2)),
  time: (iso) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '—'),
};

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    return null;
  }
}

function logout(message) {
  // Stop the polling of the page left behind, or its next 401 would redraw the log-in form under the user.
  for (const t of timers) clearInterval(t);
  timers = [];
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
  viewLogin(message);
}

async function api(method, url, body, { accept = 'application/json', raw = false } = {}) {
  const headers = { accept };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试');
  }
  if (res.status === 401 && url !== '/api/auth/login') {
    logout('登录已过期或未登录，请重新登录');
    const ended = new ApiError(401, 'UNAUTHORIZED', '请重新登录');
    ended.sessionEnded = true; // the log-in form is already showing: nothing else to report
    throw ended;
  }
  if (raw && res.ok) return res;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(res.status, e ? e.code : `HTTP_${res.status}`, e ? e.message : `请求失败（${res.status}）`, e ? e.details : undefined);
  }
  return data;
}


/** Fetches with the session and saves the response as a file (downloads need the Authorization header). */
async function download(method, url, fallbackName, { body, accept = '*/*' } = {}) {
  const res = await api(method, url, body, { accept, raw: true });
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallbackName;
  const href = URL.createObjectURL(blob);
  const a = h('a', { href, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return { name, type: res.headers.get('content-type') || '', size: blob.size };
}

// ---------------------------------------------------------------- domain labels (mirror of src/domain)

const KINDS = {
  village: { label: '村', minimum: 70, rule: '村不少于 70 人，以签到表和考察组考核人数为依据（003）' },
  community: { label: '社区', minimum: 40, rule: '社区不少于 40 人（003）' },
  'township-dept': { label: '部门站所', minimum: null, rule: '站所全体干部职工参加（003）：请填写职工人数' },
  county: { label: '县（区）机关', minimum: 50, rule: '机关干部问卷不少于 50 人，随机抽取（000）' },
  'city-dept': { label: '市直单位', minimum: 20, rule: '市直单位问卷不少于 20 人（000）' },
  other: { label: '其他', minimum: null, rule: '没有规定的最低人数：须自行填写最低参评人数并写明依据' },
};
const STATUS = { draft: '未开始', open: '进行中', closed: '已结束' };
const SUBJECT_KINDS = { organisation: '党组织', team: '班子集体', person: '班子成员', candidate: '推荐人选（后备干部）' };
const GRADE_COLOURS = ['#2e7d32', '#7cb342', '#f9a825', '#e65100', '#c62828', '#6d4c41'];

// ---------------------------------------------------------------- router

const routes = [
  [/^#\/meetings$/, viewMeetings],
  [/^#\/meetings\/new$/, viewNewMeeting],
  [/^#\/meetings\/([A-Za-z0-9_-]+)$/, viewMeeting],
  [/^#\/meetings\/([A-Za-z0-9_-]+)\/results$/, viewResults],
  [/^#\/meetings\/([A-Za-z0-9_-]+)\/paper$/, viewPaperKeyIn],
  [/^#\/rounds$/, viewRounds],
  [/^#\/rounds\/([A-Za-z0-9_-]+)$/, viewRanking],
  [/^#\/users$/, viewUsers],
  [/^#\/audit$/, viewAudit],
];

function route() {
  routeGen += 1;
  for (const t of timers) clearInterval(t);
  timers = [];
  if (!session) return viewLogin();
  renderNav();
  const hash = location.hash || '#/meetings';
  for (const [re, view] of routes) {
    const m = re.exec(hash);
    if (m) {
      return view(...m.slice(1)).catch((err) => {
        if (err.sessionEnded) return;
        show('出错了', h('h1', { text: '出错了' }), h('p', { class: 'error', role: 'alert', text: err.message }), h('p', {}, h('a', { href: '#/meetings', text: '返回测评会议列表' })));
      });
    }
  }
  location.hash = '#/meetings';
}

function renderNav() {
  document.getElementById('top').hidden = false;
  const items = [
    ['#/meetings', '测评会议'],
    ['#/meetings/new', '新建会议'],
    ['#/rounds', '考核排名'],
  ];
  if (session.user.role === 'admin') items.push(['#/users', '用户与权限'], ['#/audit', '审计日志']);
  const here = location.hash || '#/meetings';
  document.getElementById('nav').replaceChildren(
    ...items.map(([href, text]) => h('a', { href, text, 'aria-current': here === href || (href === '#/meetings' && /^#\/meetings\/(?!new)/.test(here)) ? 'page' : null })),
  );
  document.getElementById('who').textContent = `${session.user.displayName || session.user.username}（${session.user.role === 'admin' ? '管理员' : '考核组'}）`;
}

// ---------------------------------------------------------------- log in

function viewLogin(message) {
  document.getElementById('top').hidden = true;
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 200 });
  const box = errorBox();
  const submit = h('button', { type: 'submit', text: '登录' });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'login-title' }, h('h1', { id: 'login-title', text: '民主测评管理 · 登录' }), message ? h('p', { class: 'notice', role: 'status', text: message }) : null, field('用户名', user), field('密码', pass), box, submit);
  form.addEventListener(
    'submit',
    action(submit, box, async () => {
      const out = await api('POST', '/api/auth/login', { username: user.value.trim(), password: pass.value });
      session = { token: out.token, user: out.user };
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
      if (!location.hash || location.hash === '#/login') location.hash = '#/meetings';
      route();
    }),
  );
  show('登录', form);
  user.focus();
}

// ---------------------------------------------------------------- meetings

async function viewMeetings() {
  const gen = routeGen;
  const list = await api('GET', '/api/meetings');
  const groups = ['open', 'draft', 'closed'].map((st) => {
    const rows = list.filter((m) => m.status === st);
    return h(
      'section',
      { class: 'card', 'aria-labelledby': `g-${st}` },
      h('h2', { id: `g-${st}`, text: `${STATUS[st]}（${rows.length}）` }),
      rows.length === 0
        ? h('p', { class: 'muted', text: '暂无' })
        : h(
            'table',
            { class: 'list' },
            h('thead', {}, h('tr', {}, ['会议', '单位', '类别', '最低人数', '创建时间'].map((t) => h('th', { scope: 'col', text: t })))),
            h(
              'tbody',
              {},
              rows.map((m) =>
                h('tr', {}, h('td', {}, h('a', { href: `#/meetings/${m.id}`, text: m.title })), h('td', { text: m.unit }), h('td', { text: m.kindLabel }), h('td', { text: fmt.int(m.minRespondents) }), h('td', { text: fmt.time(m.createdAt) })),
              ),
            ),
          ),
    );
  });
  if (gen !== routeGen) return;
  show('测评会议', h('div', { class: 'head' }, h('h1', { text: '测评会议' }), h('a', { class: 'button', href: '#/meetings/new', text: '＋ 新建测评会议' })), groups);
}

async function viewNewMeeting() {
  const gen = routeGen;
  const forms = await api('GET', '/api/forms');
  const assessors = session.user.role === 'admin' ? (await api('GET', '/api/users')).filter((u) => u.role === 'assessor' && !u.disabled) : [];
  const draft = { title: '', unit: '', kind: 'village', staffCount: '', minRespondents: '', minReason: '', formIds: [], subjects: [], categories: [], assessorIds: [] };
  const steps = ['会议类别与单位', '测评表', '测评对象', '参评人员类别', '确认创建'];
  let step = 0;
  const box = errorBox();
  const body = h('div', { class: 'step-body' });
  const stepList = h('ol', { class: 'steps', 'aria-label': '创建步骤' });
  const back = h('button', { type: 'button', class: 'secondary', text: '上一步' });
  const next = h('button', { type: 'button', id: 'wizard-next', text: '下一步' });
  back.addEventListener('click', () => go(step - 1));
  next.addEventListener('click', action(next, box, async () => {
    const problem = check(step);
    if (problem) return box.set(problem);
    if (step < steps.length - 1) return go(step + 1);
    const payload = {
      title: draft.title.trim(),
      unit: draft.unit.trim(),
      kind: draft.kind,
      formIds: draft.formIds,
      subjects: draft.subjects.map((x) => ({ name: x.name.trim(), kind: x.kind, ...(x.title.trim() ? { title: x.title.trim() } : {}), ...(x.isHead ? { isHead: true } : {}) })),
      ...(draft.categories.length ? { categories: draft.categories.map((c, i) => ({ key: c.key || `c${i + 1}`, label: c.label.trim(), weight: Number(c.weight) / 100 })) } : {}),
      ...(draft.minRespondents !== '' ? { minRespondents: Number(draft.minRespondents), minReason: draft.minReason.trim() } : {}),
      ...(draft.kind === 'township-dept' && draft.staffCount !== '' ? { staffCount: Number(draft.staffCount) } : {}),
      ...(draft.assessorIds.length ? { assessorIds: draft.assessorIds } : {}),
    };
    const m = await api('POST', '/api/meetings', payload);
    toast(`已创建：${m.title}`);
    location.hash = `#/meetings/${m.id}`;
  }));

  function check(i) {
    if (i === 0) {
      if (!draft.title.trim()) return '请填写会议名称';
      if (!draft.unit.trim()) return '请填写被考核单位';
      if (draft.kind === 'other' && draft.minRespondents === '') return '“其他”类会议须填写最低参评人数';
      if (draft.minRespondents !== '' && !(Number(draft.minRespondents) >= 1)) return '最低参评人数须为正整数';
      if (draft.minRespondents !== '' && draft.minReason.trim().length < 2) return '调整最低参评人数须写明理由';
      if (draft.kind === 'township-dept' && draft.staffCount === '' && draft.minRespondents === '') return '部门站所须填写职工人数（全体干部职工参加）';
    }
    if (i === 1 && draft.formIds.length === 0) return '请至少选择一张测评表';
    if (i === 2) {
      if (draft.subjects.some((x) => !x.name.trim())) return '测评对象姓名不能为空（或删除空行）';
      const needs = new Set(forms.filter((f) => draft.formIds.includes(f.id)).flatMap((f) => f.subjectKinds));
      if (needs.size && !draft.subjects.some((x) => needs.has(x.kind))) return `所选测评表需要以下类型的测评对象：${[...needs].map((k) => SUBJECT_KINDS[k] || k).join('、')}`;
    }
    if (i === 3 && draft.categories.length) {
      if (draft.categories.some((c) => !c.label.trim())) return '请填写每个类别的名称';
      const sum = draft.categories.reduce((a, c) => a + Number(c.weight || 0), 0);
      if (Math.abs(sum - 100) > 1e-6) return `各类别权重之和须为 100%（现为 ${sum}%）`;
    }
    return null;
  }

  function go(i) {
    step = Math.max(0, Math.min(steps.length - 1, i));
    box.set(null);
    stepList.replaceChildren(...steps.map((t, k) => h('li', { class: k === step ? 'on' : k < step ? 'done' : '', 'aria-current': k === step ? 'step' : null, text: t })));
    body.replaceChildren(...[stepKind, stepForms, stepSubjects, stepCategories, stepConfirm][step]());
    back.hidden = step === 0;
    next.textContent = step === steps.length - 1 ? '创建测评会议' : '下一步';
    const first = body.querySelector('input, select, textarea, button');
    if (first) first.focus();
  }

  const bind = (control, key) => {
    control.value = draft[key];
    control.addEventListener('input', () => (draft[key] = control.value));
    return control;
  };

  function stepKind() {
    const kind = h('select', { id: 'kind' }, Object.entries(KINDS).map(([k, v]) => h('option', { value: k, text: v.label, selected: draft.kind === k })));
    const rule = h('p', { class: 'rule', id: 'kind-rule', 'aria-live': 'polite' });
    const staff = field('职工人数（全体参加）', bind(h('input', { id: 'staff-count', type: 'number', min: 1, inputmode: 'numeric' }), 'staffCount'));
    const min = bind(h('input', { id: 'min-override', type: 'number', min: 1, inputmode: 'numeric' }), 'minRespondents');
    const reason = bind(h('input', { id: 'min-reason', maxlength: 500 }), 'minReason');
    const override = h('fieldset', { class: 'sub' }, h('legend', { text: '调整最低参评人数（须写明理由，记入审计日志）' }), field('最低参评人数', min), field('理由', reason));
    const sync = () => {
      draft.kind = kind.value;
      const k = KINDS[draft.kind];
      rule.textContent = k.minimum ? `最低参评人数：${k.minimum} 人。${k.rule}` : k.rule;
      staff.hidden = draft.kind !== 'township-dept';
      override.querySelector('legend').textContent = draft.kind === 'other' ? '最低参评人数（必填）及依据' : '调整最低参评人数（须写明理由，记入审计日志）';
    };
    kind.addEventListener('change', sync);
    sync();
    const nodes = [
      field('会议名称', bind(h('input', { id: 'title', maxlength: 100, placeholder: '如：2026年度插旗村党组织政治建设考察暨班子年度考核' }), 'title')),
      field('被考核单位', bind(h('input', { id: 'unit', maxlength: 100, placeholder: '如：插旗镇插旗村' }), 'unit')),
      field('会议类别', kind),
      rule,
      staff,
      override,
    ];
    if (assessors.length) {
      nodes.push(
        h('fieldset', { class: 'sub' }, h('legend', { text: '考核组成员（可在会议页面修改）' }), assessors.map((u) => checkbox(`${u.displayName || u.username}（${u.username}）`, draft.assessorIds.includes(u.id), (on) => toggle(draft.assessorIds, u.id, on)))),
      );
    }
    return nodes;
  }

  function stepForms() {
    return [
      h(
        'fieldset',
        { class: 'sub' },
        h('legend', { text: '选择本次会议使用的测评表（可多选）' }),
        forms.map((f) =>
          h(
            'div',
            { class: 'choice-row' },
            checkbox(f.title, draft.formIds.includes(f.id), (on) => toggle(draft.formIds, f.id, on), f.id),
            h('p', { class: 'help', text: `${f.description || ''} 共 ${f.questionCount} 题；测评对象：${f.subjectKinds.map((k) => SUBJECT_KINDS[k] || k).join('、') || '无'}；依据 ${f.seed}` }),
          ),
        ),
      ),
    ];
  }

  function stepSubjects() {
    const table = h('tbody');
    const count = h('p', { class: 'muted', 'aria-live': 'polite' });
    const redraw = () => {
      count.textContent = `共 ${draft.subjects.length} 个测评对象`;
      table.replaceChildren(
        ...draft.subjects.map((x, i) => {
          const name = h('input', { value: x.name, maxlength: 50, 'aria-label': `第 ${i + 1} 行 姓名或名称`, class: 'subject-name' });
          name.addEventListener('input', () => (x.name = name.value));
          const title = h('input', { value: x.title, maxlength: 50, 'aria-label': `第 ${i + 1} 行 职务` });
          title.addEventListener('input', () => (x.title = title.value));
          const kind = h('select', { 'aria-label': `第 ${i + 1} 行 类型` }, Object.entries(SUBJECT_KINDS).map(([k, v]) => h('option', { value: k, text: v, selected: x.kind === k })));
          kind.addEventListener('change', () => (x.kind = kind.value));
          const head = h('input', { type: 'checkbox', checked: x.isHead, 'aria-label': `第 ${i + 1} 行 主要负责人` });
          head.addEventListener('change', () => (x.isHead = head.checked));
          const del = h('button', { type: 'button', class: 'small secondary', text: '删除', 'aria-label': `删除第 ${i + 1} 行` });
          del.addEventListener('click', () => {
            draft.subjects.splice(i, 1);
            redraw();
          });
          return h('tr', {}, h('td', { text: String(i + 1) }), h('td', {}, name), h('td', {}, title), h('td', {}, kind), h('td', { class: 'center' }, head), h('td', {}, del));
        }),
      );
    };
    const add = h('button', { type: 'button', class: 'secondary', text: '＋ 添加一行' });
    add.addEventListener('click', () => {
      draft.subjects.push({ name: '', title: '', kind: 'person', isHead: false });
      redraw();
      table.querySelector('tr:last-child input')?.focus();
    });
    const paste = h('textarea', { id: 'paste', rows: 5, placeholder: '在 Excel 中选中“姓名、职务、类型”三列，复制后粘贴到这里' });
    const importPaste = h('button', { type: 'button', id: 'import-paste', class: 'secondary', text: '导入粘贴的名单' });
    const note = h('p', { class: 'muted', role: 'status' });
    const addRows = (text, from) => {
      const got = subjectsFromText(text);
      draft.subjects.push(...got);
      note.textContent = `已从${from}导入 ${got.length} 个测评对象，请核对类型。`;
      redraw();
    };
    importPaste.addEventListener('click', () => {
      addRows(paste.value, '粘贴内容');
      paste.value = '';
    });
    const file = h('input', { type: 'file', id: 'csv-file', accept: '.csv,.txt,text/csv' });
    file.addEventListener('change', async () => {
      const f = file.files[0];
      if (!f) return;
      const text = decodeCsv(await f.arrayBuffer());
      addRows(text, ` ${f.name} `);
      file.value = '';
    });
    redraw();
    return [
      h('p', { class: 'help', text: '类型：党组织（如“插旗村党总支”）、班子集体（如“两委”班子）、班子成员，以及推荐表中列出的推荐人选（不参加等次评价）。所选测评表决定每类对象被评价的内容。' }),
      h(
        'table',
        { class: 'edit' },
        h('thead', {}, h('tr', {}, ['#', '姓名或名称', '职务', '类型', '主要负责人', ''].map((t) => h('th', { scope: 'col', text: t })))),
        table,
      ),
      count,
      add,
      h('details', { class: 'import', open: draft.subjects.length === 0 }, h('summary', { text: '从 Excel 粘贴或导入 CSV 文件' }), field('粘贴名单（每行：姓名、职务、类型，可选第四列“是”表示主要负责人）', paste), importPaste, field('或选择 CSV 文件（UTF-8 或 GBK 编码）', file), note),
    ];
  }

  function stepCategories() {
    const table = h('tbody');
    const sum = h('p', { class: 'muted', 'aria-live': 'polite' });
    const redraw = () => {
      const total = draft.categories.reduce((a, c) => a + Number(c.weight || 0), 0);
      sum.textContent = draft.categories.length ? `权重合计 ${total}%（须为 100%）` : '不分类别：每张票权重相同。';
      table.replaceChildren(
        ...draft.categories.map((c, i) => {
          const label = h('input', { value: c.label, maxlength: 30, 'aria-label': `类别 ${i + 1} 名称` });
          label.addEventListener('input', () => (c.label = label.value));
          const weight = h('input', { type: 'number', min: 1, max: 100, value: c.weight, 'aria-label': `类别 ${i + 1} 权重（%）`, class: 'num' });
          weight.addEventListener('input', () => {
            c.weight = weight.value;
            const total2 = draft.categories.reduce((a, x) => a + Number(x.weight || 0), 0);
            sum.textContent = `权重合计 ${total2}%（须为 100%）`;
          });
          const del = h('button', { type: 'button', class: 'small secondary', text: '删除' });
          del.addEventListener('click', () => {
            draft.categories.splice(i, 1);
            redraw();
          });
          return h('tr', {}, h('td', {}, label), h('td', {}, weight, ' %'), h('td', {}, del));
        }),
      );
    };
    const add = h('button', { type: 'button', class: 'secondary', text: '＋ 添加类别' });
    add.addEventListener('click', () => {
      draft.categories.push({ key: '', label: '', weight: '' });
      redraw();
    });
    const preset = h('button', { type: 'button', class: 'secondary', text: '领导自评 40% + 民主评议 60%（002）' });
    preset.addEventListener('click', () => {
      // 002: 领导自评 weighted 40%, 民主评议 (staff, team members excluded) 60%.
      draft.categories = [
        { key: 'self', label: '领导自评', weight: '40' },
        { key: 'staff', label: '民主评议', weight: '60' },
      ];
      redraw();
    });
    redraw();
    return [
      h('p', { class: 'help', text: '可选。参评人员分为不同类别时（如领导自评与民主评议），每类按权重计入加权平均分。不足 5 张票的类别不单独显示。' }),
      h('table', { class: 'edit' }, h('thead', {}, h('tr', {}, ['类别名称', '权重', ''].map((t) => h('th', { scope: 'col', text: t })))), table),
      sum,
      h('div', { class: 'buttons' }, add, preset),
    ];
  }

  function stepConfirm() {
    const k = KINDS[draft.kind];
    const min = draft.minRespondents !== '' ? `${draft.minRespondents} 人（调整理由：${draft.minReason}）` : k.minimum ? `${k.minimum} 人` : draft.kind === 'township-dept' ? `全体职工 ${draft.staffCount} 人` : '—';
    const dl = (pairs) => h('dl', { class: 'facts' }, pairs.map(([a, b]) => [h('dt', { text: a }), h('dd', { text: b })]));
    return [
      dl([
        ['会议名称', draft.title],
        ['被考核单位', draft.unit],
        ['会议类别', k.label],
        ['最低参评人数', min],
        ['测评表', forms.filter((f) => draft.formIds.includes(f.id)).map((f) => f.title).join('、')],
        ['测评对象', draft.subjects.map((x) => x.name).join('、') || '无'],
        ['参评人员类别', draft.categories.map((c) => `${c.label} ${c.weight}%`).join('、') || '不分类别'],
      ]),
      h('p', { class: 'help', text: '创建后为“未开始”状态；在会议页面打印测评票并开始测评。' }),
    ];
  }

  if (gen !== routeGen) return;
  show('新建测评会议', h('h1', { text: '新建测评会议' }), h('div', { class: 'card' }, stepList, body, box, h('div', { class: 'buttons' }, back, next)));
  go(0);
}

function checkbox(label, checked, onchange, id) {
  const input = h('input', { type: 'checkbox', checked, id: id ? `cb-${id}` : null, value: id || null });
  input.addEventListener('change', () => onchange(input.checked));
  return h('label', { class: 'check' }, input, ' ', label);
}
function toggle(list, value, on) {
  const i = list.indexOf(value);
  if (on && i < 0) list.push(value);
  if (!on && i >= 0) list.splice(i, 1);
}

// ---------------------------------------------------------------- one meeting

async function viewMeeting(id) {
  const gen = routeGen;
  const m = await api('GET', `/api/meetings/${id}`);
  const card = (title, ...nodes) => h('section', { class: 'card', 'aria-label': title }, h('h2', { text: title }), nodes);

  // Turnout, refreshed while the poll is open.
  const turnoutBox = h('div', { id: 'turnout', 'aria-live': 'polite' });
  const refreshTurnout = async () => {
    const t = await api('GET', `/api/meetings/${id}/turnout`);
    turnoutBox.replaceChildren(turnoutView(t));
  };
  await refreshTurnout();
  if (m.status === 'open' && gen === routeGen) timers.push(setInterval(() => refreshTurnout().catch(() => {}), 4000));

  const status = card('测评状态', pollControls(m));

  const signed = h('input', { id: 'signed-in', type: 'number', min: 0, inputmode: 'numeric', value: m.signedIn ?? '' });
  const interviews = h('input', { id: 'interviews', type: 'number', min: 0, inputmode: 'numeric', value: m.interviews ?? '' });
  const saveAtt = h('button', { type: 'submit', text: '保存' });
  const attBox = errorBox();
  const attForm = h('form', { class: 'inline' }, field('签到人数', signed, '以签到表为准'), field('个别谈话人数', interviews, '村不少于 30 人（003）'), saveAtt, attBox);
  attForm.addEventListener(
    'submit',
    action(saveAtt, attBox, async () => {
      const body = {};
      if (signed.value !== '') body.signedIn = Number(signed.value);
      if (interviews.value !== '') body.interviews = Number(interviews.value);
      if (!Object.keys(body).length) return attBox.set('请填写签到人数或个别谈话人数');
      await api('PUT', `/api/meetings/${id}/attendance`, body);
      toast('已保存签到与谈话人数');
      await refreshTurnout();
    }),
  );

  const liveLinks = h('p', { class: 'links' });
  // rel=opener (same origin): the new tab starts with a copy of this tab's sessionStorage, that is, the login.
  for (const [href, text] of livePages(id)) liveLinks.append(h('a', { href, target: '_blank', rel: 'opener', text }), ' ');

  const sections = [
    h('div', { class: 'head' }, h('h1', { text: m.title }), h('a', { class: 'button', href: `#/meetings/${id}/results`, text: m.status === 'open' ? '测评结果（结束后查看）' : '查看测评结果' })),
    h('p', { class: 'meta' }, `${m.unit} · ${m.kindLabel} · `, h('span', { class: `badge ${m.status}`, text: STATUS[m.status] }), ` · 最低参评人数 ${fmt.int(m.minRespondents)} 人`, m.minOverrideReason ? `（调整理由：${m.minOverrideReason}）` : ''),
    status,
    card('参评进度', turnoutBox, liveLinks),
    card('签到与个别谈话', attForm),
    card('测评票', slipsPanel(m, refreshTurnout)),
    card('作废测评票', voidPanel(m, refreshTurnout)),
    card('纸质票录入', paperPanel(m, refreshTurnout)),
    card('测评对象', h('ol', { class: 'subjects' }, m.subjects.map((x) => h('li', { text: `${x.name}${x.title ? `（${x.title}）` : ''} · ${SUBJECT_KINDS[x.kind]}${x.isHead ? ' · 主要负责人' : ''}` })))),
  ];
  if (m.status === 'closed') sections.splice(3, 0, card('结束报告', closingPanel(m)));
  if (session.user.role === 'admin') sections.push(card('最低参评人数', minimumPanel(m)), card('考核组成员', await assessorsPanel(m)));
  if (gen !== routeGen) return;
  show(m.title, sections);
}

/** The live progress and projector pages of issue 4, when installed. */
function livePages(id) {
  return [
    [`/meetings/${id}/live.html`, '现场进度页（新窗口）'],
    [`/meetings/${id}/projector.html`, '投屏页（新窗口）'],
  ];
}

function turnoutView(t) {
  const prog = h('progress', { max: t.minRespondents || Math.max(t.ballotsCast, 1), value: t.ballotsCast, 'aria-label': '已投票人数相对最低参评人数' });
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'figures' },
      [
        ['签到人数', fmt.int(t.signedIn)],
        ['最低参评人数', fmt.int(t.minRespondents)],
        ['已发测评票', String(t.slipsIssued)],
        ['已作废', String(t.slipsVoided)],
        ['已投票', String(t.ballotsCast)],
        ['有效票', String(t.ballotsValid)],
      ].map(([a, b]) => h('div', { class: 'figure' }, h('dt', { text: a }), h('dd', { text: b, 'data-figure': a }))),
    ),
    prog,
    t.coarsened ? h('p', { class: 'help', text: '测评进行中：为保护匿名，投票数按 5 人取整、约每 10 秒更新；结束后显示准确数字。' }) : null,
    h('p', { class: t.meetsMinimum ? 'ok' : 'warn', text: t.meetsMinimum ? '已达到最低参评人数' : '尚未达到最低参评人数' }),
    flagsList(t.flags),
  );
}

function flagsList(flags) {
  if (!flags || !flags.length) return null;
  return h('ul', { class: 'flags' }, flags.map((f) => h('li', { 'data-code': f.code, text: f.message })));
}

function pollControls(m) {
  const box = errorBox();
  const wrap = h('div', {}, h('p', {}, '当前状态：', h('strong', { text: STATUS[m.status] }), m.closedAt ? `（${fmt.time(m.closedAt)} 由 ${m.closedBy} 结束）` : ''));
  const reload = () => route();
  if (m.status === 'draft') {
    const b = h('button', { type: 'button', id: 'open-poll', text: '开始测评' });
    b.addEventListener('click', action(b, box, async () => {
      await api('POST', `/api/meetings/${m.id}/open`, {});
      toast('测评已开始，参会人员现在可以扫码投票');
      reload();
    }));
    wrap.append(b);
  } else if (m.status === 'open') {
    const b = h('button', { type: 'button', id: 'close-poll', class: 'danger', text: '结束测评' });
    b.addEventListener('click', action(b, box, async () => {
      if (!confirm('结束测评后不能再投票（重新开启须写明理由）。确定结束吗？')) return;
      await api('POST', `/api/meetings/${m.id}/close`, {});
      toast('测评已结束');
      reload();
    }));
    wrap.append(b);
  } else {
    const reason = h('input', { id: 'reopen-reason', maxlength: 500 });
    const b = h('button', { type: 'submit', id: 'reopen-poll', class: 'secondary', text: '重新开启测评' });
    const form = h('form', { class: 'inline' }, field('重新开启的理由（必填，记入审计日志）', reason), b);
    form.addEventListener('submit', action(b, box, async () => {
      if (reason.value.trim().length < 2) return box.set('请写明重新开启的理由');
      await api('POST', `/api/meetings/${m.id}/open`, { reason: reason.value.trim() });
      toast('测评已重新开启');
      reload();
    }));
    wrap.append(form);
  }
  wrap.append(box);
  return wrap;
}

function slipsPanel(m, after) {
  const count = h('input', { id: 'slip-count', type: 'number', min: 1, max: 10000, inputmode: 'numeric', value: m.signedIn || m.minRespondents || 10 });
  const cat = m.categories.length ? h('select', { id: 'slip-category' }, m.categories.map((c) => h('option', { value: c.key, text: `${c.label}（权重 ${Math.round(c.weight * 100)}%）` }))) : null;
  const b = h('button', { type: 'submit', id: 'print-slips', text: '生成并下载测评票（PDF）' });
  const box = errorBox();
  const out = h('div', { id: 'slips-out' });
  const form = h('form', { class: 'inline' }, field('张数', count), cat ? field('参评人员类别', cat) : null, b, box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      const n = Number(count.value);
      if (!(n >= 1)) return box.set('请填写张数');
      const body = { count: n, ...(cat ? { category: cat.value } : {}) };
      out.replaceChildren();
      const file = await download('POST', `/api/meetings/${m.id}/slips`, `测评票-${m.unit}.pdf`, { body, accept: 'application/pdf' });
      out.append(h('p', { class: 'ok', role: 'status', text: `已下载 ${file.name}（${n} 张）。请打印后裁开分发；票码只出现这一次。` }));
      await after();
    }),
  );
  const batches = h('div', { id: 'slip-batches' });
  const loadBatches = async () => {
    const list = await api('GET', `/api/meetings/${m.id}/slips/batches`);
    if (!list.batches.length) return batches.replaceChildren(h('p', { class: 'muted', text: '尚未生成测评票。' }));
    batches.replaceChildren(
      h(
        'table',
        { class: 'list' },
        h('thead', {}, h('tr', {}, ['序号范围', '类别', '张数', list.coarsened ? '已投（约）' : '已投', '已作废', '生成时间', '生成人'].map((t) => h('th', { scope: 'col', text: t })))),
        h(
          'tbody',
          {},
          list.batches.map((b2) =>
            h('tr', {}, h('td', { text: `${b2.firstSerial}–${b2.lastSerial}` }), h('td', { text: b2.category ? b2.category.label : '—' }), h('td', { class: 'num', text: String(b2.count) }), h('td', { class: 'num', text: String(b2.used) }), h('td', { class: 'num', text: String(b2.voided) }), h('td', { text: fmt.time(b2.createdAt) }), h('td', { text: b2.createdBy })),
          ),
        ),
      ),
    );
  };
  loadBatches().catch(() => {});
  const refreshAll = after;
  after = async () => {
    await refreshAll();
    await loadBatches().catch(() => {});
  };
  return h('div', {}, h('p', { class: 'help', text: '每张票一个二维码和票码，只能投一次。票码只在生成时出现一次，请妥善保管打印件。' }), form, out, h('h3', { text: '已生成的批次' }), batches);
}

function voidPanel(m, after) {
  const code = h('input', { id: 'void-code', maxlength: 2000, autocomplete: 'off', placeholder: '如：12, 15 或 ABCD-EFGH-JKLM' });
  const reason = h('input', { id: 'void-reason', maxlength: 200 });
  const b = h('button', { type: 'submit', class: 'danger', text: '作废' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('序号或票码（多张用逗号分隔）', code), field('作废理由', reason), b, box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      const items = code.value.split(/[,，、;；\s]+/).filter(Boolean);
      if (!items.length) return box.set('请填写要作废的测评票序号或票码');
      if (!reason.value.trim()) return box.set('请填写作废理由');
      const serials = items.filter((x) => /^\d+$/.test(x)).map(Number);
      const shortCodes = items.filter((x) => !/^\d+$/.test(x));
      const out = await api('POST', `/api/meetings/${m.id}/slips/void`, { ...(serials.length ? { serials } : {}), ...(shortCodes.length ? { shortCodes } : {}), reason: reason.value.trim() });
      toast(out.message);
      code.value = reason.value = '';
      await after();
    }),
  );
  return h('div', {}, h('p', { class: 'help', text: '遗失、损坏或多发的测评票可作废；已作废的票不能再投票。' }), form);
}

function paperPanel(m) {
  const count = h('input', { id: 'paper-count', type: 'number', min: 1, max: 2000, inputmode: 'numeric', value: 10 });
  const cat = m.categories.length ? h('select', { id: 'paper-category' }, m.categories.map((c) => h('option', { value: c.key, text: c.label }))) : null;
  const b = h('button', { type: 'submit', class: 'secondary', id: 'print-paper', text: '生成并下载纸质测评票（PDF）' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('张数', count), cat ? field('参评人员类别', cat) : null, b, box);
  form.addEventListener('submit', action(b, box, async () => {
    const n = Number(count.value);
    if (!(n >= 1)) return box.set('请填写张数');
    const got = await download('POST', `/api/meetings/${m.id}/paper-ballots/print`, `纸质测评票-${m.unit}.pdf`, { body: { count: n, ...(cat ? { category: cat.value } : {}) }, accept: 'application/pdf' });
    toast(`已下载 ${got.name}`);
  }));
  return h(
    'div',
    {},
    h('p', { class: 'help', text: '会场不允许使用手机时，打印完整的纸质测评表（角上有二维码和票码），会上集中收回后按票码逐张录入。' }),
    form,
    h('p', {}, h('a', { class: 'button', id: 'paper-key-in', href: `#/meetings/${m.id}/paper`, text: '录入收回的纸质票' })),
  );
}

/** Keying in collected paper ballots: the code, then the answers as written; number keys pick a grade and move on. */
async function viewPaperKeyIn(id) {
  const gen = routeGen;
  const [m, ballot] = await Promise.all([api('GET', `/api/meetings/${id}`), api('GET', `/api/meetings/${id}/paper-ballots/form`)]);
  let keyed = 0;
  const code = h('input', { id: 'paper-code', maxlength: 64, autocomplete: 'off', spellcheck: 'false', placeholder: 'XXXX-XXXX-XXXX', class: 'mono' });
  const box = errorBox();
  const done = h('p', { class: 'ok', role: 'status', 'aria-live': 'polite' });
  const questions = h('div', { class: 'paper-form' });
  const submit = h('button', { type: 'submit', id: 'paper-submit', text: '录入并计入' });
  const form = h('form', { class: 'card' }, field('票码（纸质票右上角）', code, '字母不区分大小写；O 与 0、I/L 与 1 可混用'), h('p', { class: 'help', text: '按纸面原样录入，未填写的项留空。在等次选项上按数字键 1、2、3…可直接选择并跳到下一项。' }), questions, box, h('div', { class: 'buttons' }, submit), done);

  const groups = [];
  const build = () => {
    groups.length = 0;
    const nodes = [];
    for (const f of ballot.forms) {
      nodes.push(h('h2', { text: f.title }));
      for (const q of f.questions) {
        const name = (sub) => `${f.id}|${q.id}${sub ? `|${sub}` : ''}`;
        const radios = (n, list, label) => {
          const g = h('div', { class: 'paper-choices', role: 'radiogroup', 'aria-label': label }, list.map((o, i) => h('label', {}, h('input', { type: 'radio', name: n, value: o.value, 'data-key': i + 1 }), ` ${i + 1} ${o.label}`)));
          groups.push(g);
          return g;
        };
        if (q.type === 'graded' && q.subjects) {
          nodes.push(h('fieldset', { class: 'sub' }, h('legend', { text: q.text }), h('table', { class: 'list' }, h('tbody', {}, q.subjects.map((sub) => h('tr', {}, h('th', { scope: 'row', text: sub.name + (sub.title ? `（${sub.title}）` : '') }), h('td', {}, radios(name(sub.id), q.scale, `${q.text} · ${sub.name}`))))))));
        } else if (q.type === 'graded' || q.type === 'single') {
          nodes.push(h('fieldset', { class: 'sub' }, h('legend', { text: q.text }), radios(name(), q.type === 'graded' ? q.scale : q.options, q.text)));
        } else if (q.type === 'multiple' || q.type === 'nomination') {
          nodes.push(h('fieldset', { class: 'sub', 'data-multi': name() }, h('legend', { text: q.text }), q.options.map((o) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: name(), value: o.value }), ` ${o.label}`)), q.type === 'nomination' && q.allowWriteIn ? field('另行推荐（多人用顿号分隔）', h('input', { 'data-writeins': name(), maxlength: 200 })) : null));
        } else if (q.type === 'text') {
          nodes.push(field(q.text, h('textarea', { 'data-text': name(), maxlength: q.maxLength || 2000, rows: 2 })));
        }
      }
    }
    questions.replaceChildren(...nodes);
  };
  build();

  questions.addEventListener('keydown', (ev) => {
    const t = ev.target;
    if (!(t instanceof HTMLInputElement) || t.type !== 'radio' || !/^[1-9]$/.test(ev.key)) return;
    const g = t.closest('.paper-choices');
    const pick = g.querySelector(`input[data-key="${ev.key}"]`);
    if (!pick) return;
    ev.preventDefault();
    pick.checked = true;
    const next = groups[groups.indexOf(g) + 1];
    (next ? next.querySelector('input:checked') || next.querySelector('input') : submit).focus();
  });

  const collect = () => {
    const answers = {};
    const put = (key, value) => {
      const [f, q, sub] = key.split('|');
      answers[f] = answers[f] || {};
      if (sub) (answers[f][q] = answers[f][q] || {})[sub] = value;
      else answers[f][q] = value;
    };
    for (const i of questions.querySelectorAll('input[type=radio]:checked')) put(i.name, i.value);
    for (const fs of questions.querySelectorAll('[data-multi]')) {
      const key = fs.getAttribute('data-multi');
      const chosen = [...fs.querySelectorAll('input[type=checkbox]:checked')].map((i) => i.value);
      const w = fs.querySelector('[data-writeins]');
      if (w) {
        const writeIns = w.value.split(/[、,，;；\s]+/).filter(Boolean);
        if (chosen.length || writeIns.length) put(key, { options: chosen, writeIns });
      } else if (chosen.length) put(key, chosen);
    }
    for (const t of questions.querySelectorAll('[data-text]')) if (t.value.trim()) put(t.getAttribute('data-text'), t.value);
    return answers;
  };

  form.addEventListener('submit', action(submit, box, async () => {
    if (!code.value.trim()) {
      code.focus();
      return box.set('请填写纸质票上的票码');
    }
    const out = await api('POST', `/api/meetings/${id}/paper-ballots`, { code: code.value.trim(), answers: collect() });
    keyed += 1;
    done.textContent = `第 ${keyed} 张（${code.value.trim().toUpperCase()}）：${out.message}`;
    code.value = '';
    build();
    code.focus();
  }));

  if (gen !== routeGen) return;
  show(
    `录入纸质票 · ${m.title}`,
    h('div', { class: 'head' }, h('h1', { text: `录入纸质票 · ${m.title}` }), h('a', { class: 'button secondary', href: `#/meetings/${id}`, text: '返回会议' })),
    h('p', { class: 'meta', text: `${m.unit} · ${STATUS[m.status]}。每张纸质票只能录入一次；录入后与手机投票一样匿名计入。` }),
    form,
  );
  code.focus();
}

function closingPanel(m) {
  const box = errorBox();
  const b = h('button', { type: 'button', id: 'closing-report', text: '下载结束报告（PDF）' });
  b.addEventListener('click', action(b, box, async () => {
    const got = await download('GET', `/api/meetings/${m.id}/closing-report.pdf`, `测评结束报告-${m.unit}.pdf`);
    toast(`已下载 ${got.name}`);
  }));
  return h('div', {}, h('p', { class: 'help', text: '结束测评时自动生成：参评人数、是否达到最低人数、各导出文件的校验值。重新开启后再结束会生成新的报告。' }), h('div', { class: 'buttons' }, b, h('a', { class: 'button secondary', href: `#/meetings/${m.id}/results`, text: '测评结果与导出' })), box);
}

function minimumPanel(m) {
  const k = KINDS[m.kind];
  const min = h('input', { id: 'minimum', type: 'number', min: 1, inputmode: 'numeric', value: m.minOverrideReason ? m.minRespondents : '' });
  const reason = h('input', { id: 'minimum-reason', maxlength: 500 });
  const b = h('button', { type: 'submit', class: 'secondary', text: '保存最低人数' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('最低参评人数（留空则按会议类别规定）', min), field('理由（必填，记入审计日志）', reason), b, box);
  form.addEventListener('submit', action(b, box, async () => {
    if (!reason.value.trim()) return box.set('请写明调整理由');
    await api('PUT', `/api/meetings/${m.id}/minimum`, { minRespondents: min.value === '' ? null : Number(min.value), reason: reason.value.trim() });
    toast('已更新最低参评人数');
    route();
  }));
  return h('div', {}, h('p', { class: 'rule', text: `规定：${k.rule}。当前：${fmt.int(m.minRespondents)} 人${m.minOverrideReason ? `（已调整：${m.minOverrideReason}）` : ''}。` }), form);
}

async function assessorsPanel(m) {
  const users = (await api('GET', '/api/users')).filter((u) => u.role === 'assessor');
  if (!users.length) return h('p', { class: 'muted' }, '还没有考核组账号。', h('a', { href: '#/users', text: '去创建' }));
  const chosen = [...m.assessorIds];
  const b = h('button', { type: 'submit', text: '保存考核组' });
  const box = errorBox();
  const form = h('form', {}, users.map((u) => checkbox(`${u.displayName || u.username}（${u.username}）${u.disabled ? ' · 已停用' : ''}`, chosen.includes(u.id), (on) => toggle(chosen, u.id, on))), h('div', { class: 'buttons' }, b), box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      await api('PUT', `/api/meetings/${m.id}/assessors`, { assessorIds: chosen });
      toast('已保存考核组成员；他们只能看到分配给自己的会议');
    }),
  );
  return form;
}

// ---------------------------------------------------------------- results

const formCache = new Map();
async function formTemplate(id) {
  if (!formCache.has(id)) formCache.set(id, await api('GET', `/api/forms/${id}`));
  return formCache.get(id);
}
function scaleOf(form, questionId) {
  const q = form.questions.find((x) => x.id === questionId);
  if (!q) return [];
  if (q.type === 'graded') return (form.scales[q.scale] || { grades: [] }).grades;
  return q.options || [];
}

async function viewResults(id) {
  const gen = routeGen;
  const m = await api('GET', `/api/meetings/${id}`);
  const holder = h('div', { id: 'results' });
  const refresh = async () => {
    try {
      const r = await api('GET', `/api/meetings/${id}/results`);
      const templates = await Promise.all(r.forms.map((f) => formTemplate(f.formId)));
      holder.replaceChildren(resultsView(r, templates));
    } catch (err) {
      // While the poll is open the server withholds the tally: comparing two looks would reveal the ballot cast
      // in between. Say so plainly instead of failing.
      if (err.code !== 'MEETING_OPEN') throw err;
      holder.replaceChildren(h('p', { class: 'notice', id: 'results-withheld', text: err.message }), h('p', {}, '投票进度见', h('a', { href: `#/meetings/${id}`, text: '会议页面' }), '（按 5 人取整）。'));
    }
  };
  await refresh();
  const again = h('button', { type: 'button', class: 'secondary', text: '刷新' });
  again.addEventListener('click', action(again, null, refresh));
  if (gen !== routeGen) return;
  show(
    `测评结果 · ${m.title}`,
    h('div', { class: 'head' }, h('h1', { text: `测评结果 · ${m.title}` }), h('div', { class: 'buttons' }, again, h('a', { class: 'button secondary', href: `#/meetings/${id}`, text: '返回会议' }))),
    h('p', { class: 'meta' }, `${m.unit} · ${m.kindLabel} · `, h('span', { class: `badge ${m.status}`, text: STATUS[m.status] })),
    holder,
    m.status === 'open' ? null : h('section', { class: 'card', 'aria-label': '导出' }, h('h2', { text: '导出' }), exportsPanel(m)),
  );
}

function resultsView(r, templates) {
  const out = [];
  if (!r.meetsMinimum) {
    out.push(h('div', { class: 'stamp', role: 'alert', 'aria-label': '测评无效' }, h('span', { class: 'stamp-word', text: '无效' }), h('span', { class: 'stamp-why', text: r.minRespondents === null ? '尚未确定最低参评人数' : `参评 ${r.ballots.cast} 人，少于最低 ${r.minRespondents} 人` })));
  }
  out.push(
    h(
      'section',
      { class: 'card', 'aria-label': '概况' },
      h('h2', { text: '概况' }),
      h(
        'dl',
        { class: 'figures' },
        [
          ['签到人数', fmt.int(r.turnout.signedIn)],
          ['最低参评人数', fmt.int(r.minRespondents)],
          ['投票数', String(r.ballots.cast)],
          ['有效票', String(r.ballots.valid)],
          ['无效票', String(r.ballots.invalid)],
        ].map(([a, b]) => h('div', { class: 'figure' }, h('dt', { text: a }), h('dd', { text: b, 'data-figure': a }))),
      ),
      flagsList(r.flags),
      r.notes && r.notes.length ? h('ul', { class: 'notes' }, r.notes.map((n) => h('li', { text: n.message }))) : null,
      r.byCategory.length
        ? h('p', { class: 'help', text: `参评人员类别：${r.byCategory.map((c) => `${c.label} ${c.ballots} 票（权重 ${Math.round(c.weight * 100)}%）`).join('；')}${r.breakdownShown ? '' : '。为保护匿名，不足 5 票的类别不单独列出。'}` })
        : null,
    ),
  );
  r.forms.forEach((f, fi) => {
    const tpl = templates[fi];
    const sec = h('section', { class: 'card', 'aria-label': f.title }, h('h2', { text: f.title }));
    for (const q of f.questions) {
      const scale = scaleOf(tpl, q.questionId);
      sec.append(h('h3', { text: `${q.text}（作答 ${q.answered}）` }));
      if (q.subjects) {
        sec.append(distributionChart(q, scale));
        // Flags per subject (e.g. more than a third 不称职) are shown as flags, never as verdicts.
        const flagged = q.subjects.flatMap((sub) => (sub.flags || []).map((f) => ({ code: f.code, message: `${sub.name}：${f.message}` })));
        if (flagged.length) sec.append(flagsList(flagged));
        sec.append(distributionTable(q, scale));
      }
      else if (q.counts) {
        const row = { name: '全体', counts: q.counts, answered: q.answered, meanPoints: q.meanPoints ?? null, weightedMeanPoints: q.weightedMeanPoints ?? null, flags: [] };
        sec.append(distributionChart({ ...q, subjects: [row] }, scale.length ? scale : Object.keys(q.counts).map((v) => ({ value: v, label: v }))));
        if (q.writeIns && Object.keys(q.writeIns).length) sec.append(h('p', { class: 'help', text: `另行推荐：${Object.entries(q.writeIns).map(([n, c]) => `${n} ${c} 票`).join('、')}` }));
      } else sec.append(h('p', { class: 'muted', text: '文字意见不在此汇总（见导出文件）。' }));
    }
    out.push(sec);
  });
  return h('div', {}, out);
}

/** A hand-written SVG chart: one stacked bar per subject, one segment per grade, the mean points at the end. */
function distributionChart(q, scale) {
  const rowH = 30;
  const labelW = 190;
  const barW = 420;
  const width = labelW + barW + 120;
  const legendH = 26;
  const height = legendH + q.subjects.length * rowH + 6;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': `${q.text}：各测评对象的等次分布` });
  scale.forEach((g, i) => {
    const x = labelW + i * 90;
    svg.append(s('rect', { x, y: 6, width: 14, height: 14, fill: GRADE_COLOURS[i % GRADE_COLOURS.length] }), s('text', { x: x + 18, y: 18, class: 'legend', text: g.label }));
  });
  q.subjects.forEach((sub, r) => {
    const y = legendH + r * rowH;
    const total = Object.values(sub.counts).reduce((a, b) => a + b, 0);
    svg.append(s('text', { x: labelW - 8, y: y + 19, 'text-anchor': 'end', class: 'label', text: sub.name.length > 12 ? `${sub.name.slice(0, 11)}…` : sub.name }, s('title', { text: sub.name })));
    svg.append(s('rect', { x: labelW, y: y + 4, width: barW, height: rowH - 10, class: 'track' }));
    let x = labelW;
    scale.forEach((g, i) => {
      const n = sub.counts[g.value] || 0;
      if (!n || !total) return;
      const w = (n / total) * barW;
      svg.append(s('rect', { x, y: y + 4, width: w, height: rowH - 10, fill: GRADE_COLOURS[i % GRADE_COLOURS.length], 'data-grade': g.value, 'data-count': n }, s('title', { text: `${sub.name} · ${g.label}：${n} 票（${fmt.pct(n / total)}）` })));
      if (w > 22) svg.append(s('text', { x: x + w / 2, y: y + 19, 'text-anchor': 'middle', class: 'in-bar', text: String(n) }));
      x += w;
    });
    const mean = sub.weightedMeanPoints ?? sub.meanPoints;
    svg.append(s('text', { x: labelW + barW + 8, y: y + 19, class: sub.flags && sub.flags.length ? 'mean flagged' : 'mean', text: mean === null || mean === undefined ? '—' : `${fmt.num(mean)} 分` }));
  });
  return h('figure', { class: 'chart-box' }, svg);
}

function distributionTable(q, scale) {
  return h(
    'details',
    { class: 'data' },
    h('summary', { text: '查看数据表' }),
    h(
      'table',
      { class: 'list' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: '测评对象' }), scale.map((g) => h('th', { scope: 'col', text: g.label })), h('th', { scope: 'col', text: '平均分' }), h('th', { scope: 'col', text: '加权平均分' }), h('th', { scope: 'col', text: '好评率' }), h('th', { scope: 'col', text: '提示' }))),
      h(
        'tbody',
        {},
        q.subjects.map((sub) =>
          h(
            'tr',
            { 'data-subject': sub.name },
            h('th', { scope: 'row', text: sub.name }),
            scale.map((g) => h('td', { class: 'num', text: String(sub.counts[g.value] || 0) })),
            h('td', { class: 'num', text: fmt.num(sub.meanPoints) }),
            h('td', { class: 'num', text: fmt.num(sub.weightedMeanPoints) }),
            h('td', { class: 'num', text: fmt.pct(sub.favourableRate) }),
            h('td', { text: (sub.flags || []).map((f) => f.message).join('；') }),
          ),
        ),
      ),
    ),
  );
}

/** Downloads of every export (src/exports): fetched with the session, saved under the server's file name. */
function exportsPanel(m) {
  const files = [
    ['results.xlsx', '结果汇总（Excel）'],
    ['results.pdf', '结果汇总（PDF）'],
    ['results.csv', '结果汇总（CSV）'],
    ['ballots.csv', '全部选票（CSV，无记名）'],
    ['ballots.json', '全部选票（JSON，无记名）'],
  ];
  const box = errorBox();
  const buttons = files.map(([file, label]) => {
    const b = h('button', { type: 'button', class: 'secondary', 'data-export': file, text: label });
    b.addEventListener(
      'click',
      action(b, box, async () => {
        const got = await download('GET', `/api/meetings/${m.id}/${file}`, `${m.unit}-${file}`);
        toast(`已下载 ${got.name}`);
      }),
    );
    return b;
  });
  return h('div', {}, h('p', { class: 'help', text: '导出文件同样标明无效、提示等信息。' }), h('div', { class: 'buttons' }, buttons), box);
}

// ---------------------------------------------------------------- unit-level ranking (assessment rounds)

async function viewRounds() {
  const gen = routeGen;
  const rounds = await api('GET', '/api/rounds');
  if (gen !== routeGen) return;
  show(
    '考核排名',
    h('h1', { text: '考核排名' }),
    h('p', { class: 'help', text: '按考核方案（001、002、004）汇总各单位得分、排名和建议等次。各项得分、扣分和测评会议的关联在考核轮次中录入。' }),
    h(
      'section',
      { class: 'card', 'aria-label': '考核轮次' },
      rounds.length === 0
        ? h('p', { class: 'muted', text: '还没有考核轮次。' })
        : h(
            'table',
            { class: 'list' },
            h('thead', {}, h('tr', {}, ['考核轮次', '方案', '创建人', '创建时间'].map((t) => h('th', { scope: 'col', text: t })))),
            h('tbody', {}, rounds.map((r) => h('tr', {}, h('td', {}, h('a', { href: `#/rounds/${r.id}`, text: r.title })), h('td', { text: r.schemeId }), h('td', { text: r.createdBy }), h('td', { text: fmt.time(r.createdAt) })))),
          ),
    ),
  );
}

const rulesText = (sug) => sug.rules.map((r) => `${r.text}（${r.seed}）`).join('；');

async function viewRanking(id) {
  const gen = routeGen;
  const r = await api('GET', `/api/rounds/${id}/ranking`);
  const box = errorBox();
  const downloads = [
    ['ranking.xlsx', '排名（Excel）'],
    ['ranking.pdf', '排名（PDF）'],
  ].map(([file, label]) => {
    const b = h('button', { type: 'button', class: 'secondary', text: label });
    b.addEventListener('click', action(b, box, async () => toast(`已下载 ${(await download('GET', `/api/rounds/${id}/${file}`, `${r.title}-${file}`)).name}`)));
    return b;
  });
  const gradeForm = (domain, targetType, target) => {
    const current = target.decision ? target.decision.grade : target.suggestion.grade;
    const sel = h('select', { 'aria-label': `${target.name} 确定等次` }, current ? null : h('option', { value: '', text: '选择等次' }), domain.scale.concat(r.cadreScale && targetType === 'cadre' ? r.cadreScale : []).filter((g, i, a) => a.indexOf(g) === i).map((g) => h('option', { value: g, text: g, selected: current === g })));
    const reason = h('input', { maxlength: 1000, placeholder: '与建议不同时须写明理由', 'aria-label': `${target.name} 理由` });
    const b = h('button', { type: 'submit', class: 'small', text: '确定' });
    const f = h('form', { class: 'grade-form' }, sel, reason, b);
    f.addEventListener('submit', action(b, box, async () => {
      if (!sel.value) return box.set(`请为 ${target.name} 选择等次`);
      await api('PUT', `/api/rounds/${id}/grades`, { targetType, targetId: target.id, grade: sel.value, ...(reason.value.trim() ? { reason: reason.value.trim() } : {}) });
      toast(`已确定 ${target.name}：${sel.value}`);
      route();
    }));
    return f;
  };
  const decided = (d) => (d ? `${d.grade}（${d.decidedBy}${d.departsFromSuggestion ? `，与建议不同：${d.reason || ''}` : ''}）` : '未确定');
  const empty = r.domains.filter((d) => d.units.length === 0).map((d) => d.label);
  const domains = r.domains.filter((d) => d.units.length > 0).map((d) =>
    h(
      'section',
      { class: 'card', 'aria-label': d.label },
      h('h2', { text: `${d.label}${d.provisional ? '（数据未齐，排名为暂定）' : ''}` }),
      flagsList(d.flags),
      d.quotas.length ? h('ul', { class: 'quotas' }, d.quotas.map((q) => h('li', { text: `${q.grade}：${q.arithmetic}。${q.rule.text}（${q.rule.seed}）${q.tieAtBoundary ? ' · 临界同分，须集体研究' : ''}` }))) : null,
      h(
        'table',
        { class: 'list ranking' },
        h('thead', {}, h('tr', {}, ['名次', '单位', '总分', '建议等次', '依据', '提示', '确定等次', ''].map((t) => h('th', { scope: 'col', text: t })))),
        h(
          'tbody',
          {},
          d.units.map((u) => [
            h(
              'tr',
              { 'data-unit': u.name },
              h('td', { class: 'num', text: fmt.int(u.rank) }),
              h('th', { scope: 'row' }, u.name, u.complete ? null : h('span', { class: 'muted', text: '（数据未齐）' })),
              h('td', { class: 'num', text: fmt.num(u.total) }),
              h('td', { class: 'suggested', text: u.suggestion.grade || '—' }),
              h('td', { class: 'small', text: rulesText(u.suggestion) }),
              h('td', { class: 'small', text: u.flags.concat(u.suggestion.flags).map((f) => f.message).join('；') }),
              h('td', { text: decided(u.decision) }),
              h('td', {}, gradeForm(d, 'unit', u)),
            ),
            h(
              'tr',
              { class: 'detail' },
              h(
                'td',
                { colspan: 8 },
                h(
                  'details',
                  {},
                  h('summary', { text: '得分构成' }),
                  h('ul', {}, u.components.map((c) => h('li', { text: `${c.label}：${fmt.num(c.value)} × ${Math.round(c.weight * 100)}% = ${fmt.num(c.contribution)}（${c.detail}）${c.flags.map((f) => ` · ${f.message}`).join('')}` }))),
                  u.cadres
                    ? h(
                        'table',
                        { class: 'list' },
                        h('caption', { text: `班子成员（班子等次：${u.cadres.teamGrade || '—'}；${u.cadres.quota.arithmetic}）` }),
                        h('thead', {}, h('tr', {}, ['姓名', '职务', '测评得分', '建议等次', '依据', '确定等次', ''].map((t) => h('th', { scope: 'col', text: t })))),
                        h('tbody', {}, u.cadres.cadres.map((c) => h('tr', {}, h('th', { scope: 'row', text: c.name }), h('td', { text: `${c.title || ''}${c.isHead ? '（主要负责人）' : ''}` }), h('td', { class: 'num', text: fmt.num(c.score) }), h('td', { text: c.suggestion.grade || '—' }), h('td', { class: 'small', text: rulesText(c.suggestion) }), h('td', { text: decided(c.decision) }), h('td', {}, gradeForm(d, 'cadre', c))))),
                      )
                    : null,
                ),
              ),
            ),
          ]),
        ),
      ),
    ),
  );
  if (gen !== routeGen) return;
  show(
    r.title,
    h('div', { class: 'head' }, h('h1', { text: r.title }), h('div', { class: 'buttons' }, downloads)),
    h('p', { class: 'meta', text: `${r.schemeTitle}（${r.seed}）。建议等次只是依据规则的计算结果，最终等次由集体研究确定。` }),
    box,
    domains,
    empty.length ? h('p', { class: 'muted', text: `暂无参加考核单位的领域：${empty.join('、')}` }) : null,
  );
}

// ---------------------------------------------------------------- users

async function viewUsers() {
  const gen = routeGen;
  if (session.user.role !== 'admin') return gen !== routeGen ? undefined : show('用户与权限', h('h1', { text: '用户与权限' }), h('p', { text: '仅管理员可管理用户。' }));
  const users = await api('GET', '/api/users');
  const username = h('input', { id: 'new-username', maxlength: 64, pattern: '[A-Za-z0-9_.@\\-]+', autocomplete: 'off', required: true });
  const displayName = h('input', { id: 'new-display', maxlength: 64 });
  const password = h('input', { id: 'new-password', type: 'password', minlength: 12, maxlength: 200, autocomplete: 'new-password', required: true });
  const role = h('select', { id: 'new-role' }, h('option', { value: 'assessor', text: '考核组成员（只能看到分配给自己的会议）' }), h('option', { value: 'admin', text: '管理员（全部会议、用户与审计日志）' }));
  const b = h('button', { type: 'submit', text: '创建用户' });
  const box = errorBox();
  const form = h('form', { class: 'grid' }, field('用户名', username, '字母、数字及 _ . @ -'), field('姓名', displayName), field('初始密码', password, '至少 12 位'), field('角色', role), h('div', { class: 'buttons' }, b), box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      await api('POST', '/api/users', { username: username.value.trim(), password: password.value, role: role.value, ...(displayName.value.trim() ? { displayName: displayName.value.trim() } : {}) });
      toast(`已创建用户 ${username.value.trim()}`);
      route();
    }),
  );
  if (gen !== routeGen) return;
  show(
    '用户与权限',
    h('h1', { text: '用户与权限' }),
    h(
      'section',
      { class: 'card', 'aria-label': '用户列表' },
      h('h2', { text: `用户（${users.length}）` }),
      h(
        'table',
        { class: 'list' },
        h('thead', {}, h('tr', {}, ['用户名', '姓名', '角色', '状态'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, users.map((u) => h('tr', {}, h('td', { text: u.username }), h('td', { text: u.displayName }), h('td', { text: u.role === 'admin' ? '管理员' : '考核组成员' }), h('td', { text: u.disabled ? '已停用' : '正常' })))),
      ),
    ),
    h('section', { class: 'card', 'aria-label': '新建用户' }, h('h2', { text: '新建用户' }), form),
  );
}

// ---------------------------------------------------------------- audit log

async function viewAudit() {
  const gen = routeGen;
  const meetings = await api('GET', '/api/meetings');
  const titles = new Map(meetings.map((m) => [m.id, m.title]));
  const filter = h('select', { id: 'audit-meeting' }, h('option', { value: '', text: '全部' }), meetings.map((m) => h('option', { value: m.id, text: m.title })));
  const body = h('tbody');
  const load = async () => {
    const q = filter.value ? `?meetingId=${encodeURIComponent(filter.value)}` : '';
    const { entries } = await api('GET', `/api/audit${q}`);
    body.replaceChildren(
      ...entries.map((e) =>
        h('tr', {}, h('td', { class: 'num', text: String(e.seq) }), h('td', { text: fmt.time(e.at) }), h('td', { text: e.actor }), h('td', { text: ACTIONS[e.action] || e.action }), h('td', { text: e.meetingId ? titles.get(e.meetingId) || e.meetingId : '' }), h('td', { class: 'mono small', text: Object.keys(e.detail || {}).length ? JSON.stringify(e.detail) : '' })),
      ),
    );
    if (!entries.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'muted', text: '没有记录' })));
  };
  filter.addEventListener('change', () => load().catch((err) => toast(err.message, 'bad')));
  const verifyOut = h('p', { role: 'status' });
  const verify = h('button', { type: 'button', class: 'secondary', id: 'audit-verify', text: '校验日志完整性' });
  verify.addEventListener('click', action(verify, null, async () => {
    const v = await api('GET', '/api/audit/verify');
    verifyOut.className = v.ok ? 'ok' : 'warn';
    verifyOut.textContent = v.message;
  }));
  const lift = h('button', { type: 'button', class: 'secondary', text: '解除所有访问锁定' });
  lift.addEventListener('click', action(lift, null, async () => {
    if (!confirm('解除因多次输错密码或票码而触发的全部锁定？')) return;
    const out = await api('DELETE', '/api/security/lockouts');
    toast(`已解除 ${out.cleared} 项锁定`);
  }));
  await load();
  if (gen !== routeGen) return;
  show(
    '审计日志',
    h('h1', { text: '审计日志' }),
    h('p', { class: 'help', text: '记录管理操作（谁在何时对哪个会议做了什么），不记录任何投票。日志以哈希链相连，任何改动都能被校验发现。' }),
    h('div', { class: 'buttons' }, field('会议', filter), verify, lift),
    verifyOut,
    h('table', { class: 'list' }, h('thead', {}, h('tr', {}, ['#', '时间', '操作人', '操作', '会议', '详情'].map((t) => h('th', { scope: 'col', text: t })))), body),
  );
}

const ACTIONS = {
  'meeting.create': '创建会议',
  'meeting.open': '开始测评',
  'meeting.reopen': '重新开启测评',
  'meeting.close': '结束测评',
  'meeting.attendance': '记录签到/谈话人数',
  'meeting.assessors': '分配考核组',
  'meeting.minimum': '调整最低参评人数',
  'slips.issue': '生成测评票',
  'slips.void': '作废测评票',
  'user.create': '创建用户',
  'meeting.closing-report': '生成结束报告',
  'security.clear-lockouts': '解除访问锁定',
  'assessment.round.create': '创建考核轮次',
  'assessment.grade.record': '确定等次',
};

// ---------------------------------------------------------------- start

document.getElementById('logout').addEventListener('click', () => logout('已退出登录'));
window.addEventListener('hashchange', route);
route();
