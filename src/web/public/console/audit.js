// The audit log (admins): who did what to which meeting and when, in words; and the check of its hash chain.
import { action, field, fmt, h, show, toast } from './dom.js';
import { actionLabel, kindOf, statusLabel } from './meta.js';
import { navigation } from './router.js';
import { api } from './session.js';

const ROLE = { admin: '管理员', assessor: '考核组成员' };
const PURPOSE = { slips: '测评票（扫码投票）', paper: '纸质测评票' };
const VERDICT = { valid: '有效', void: '无效', check: '须核查', unknown: '未确定' };
const list = (v) => (Array.isArray(v) ? v.join('、') : String(v));

/** How each known detail reads; a key not listed here is shown as it is stored. */
const DETAIL = {
  title: ['名称', String],
  kind: ['类别', (v) => kindOf(v).label],
  minRespondents: ['最低人数', String],
  minReason: ['理由', String],
  reason: ['理由', String],
  from: ['原为', (v) => (v === 'draft' || v === 'open' || v === 'closed' ? statusLabel(v) : String(v))],
  to: ['改为', String],
  override: ['调整为', (v) => (v === null ? '按会议类别规定' : String(v))],
  signedIn: ['签到', (v) => `${v} 人`],
  interviews: ['谈话', (v) => `${v} 人`],
  status: ['当时状态', statusLabel],
  count: ['张数', String],
  category: ['类别', String],
  firstSerial: ['起始序号', String],
  purpose: ['用途', (v) => PURPOSE[v] || String(v)],
  serials: ['序号', list],
  usedKept: ['已投票、未作废', list],
  username: ['用户名', String],
  role: ['角色', (v) => ROLE[v] || String(v)],
  keys: ['锁定项', (v) => (Array.isArray(v) ? `${v.length} 项` : String(v))],
  assessorIds: ['考核组成员', (v) => (Array.isArray(v) ? `${v.length} 人` : String(v))],
  verdict: ['结论', (v) => VERDICT[v] || String(v)],
  reportSha256: ['报告校验值', (v) => `${String(v).slice(0, 12)}…`],
  schemeId: ['考核方案', String],
  grade: ['等次', String],
};
// Internal ids mean nothing to a reader of the log.
const HIDDEN = new Set(['userId', 'batchId', 'reportId', 'roundId', 'targetId']);

/** One entry's details as "label：value" parts, empty values left out. */
export function detailText(detail) {
  const parts = [];
  for (const [k, v] of Object.entries(detail || {})) {
    if (v === null || v === undefined || v === '' || HIDDEN.has(k) || (Array.isArray(v) && v.length === 0)) continue;
    const known = DETAIL[k];
    const value = known ? known[1](v) : typeof v === 'object' ? JSON.stringify(v) : String(v);
    parts.push(`${known ? known[0] : k}：${value}`);
  }
  return parts.join('；');
}

export async function viewAudit() {
  const gen = navigation();
  const meetings = await api('GET', '/api/meetings');
  const titles = new Map(meetings.map((m) => [m.id, m.title]));
  const filter = h('select', { id: 'audit-meeting' }, h('option', { value: '', text: '全部' }), meetings.map((m) => h('option', { value: m.id, text: m.title })));
  const body = h('tbody');
  const load = async () => {
    const q = filter.value ? `?meetingId=${encodeURIComponent(filter.value)}` : '';
    const { entries } = await api('GET', `/api/audit${q}`);
    body.replaceChildren(
      ...entries.map((e) =>
        h(
          'tr',
          { 'data-action': e.action },
          h('td', { class: 'num', text: String(e.seq) }),
          h('td', { text: fmt.time(e.at) }),
          h('td', { text: e.actor }),
          h('td', { text: actionLabel(e.action), title: e.action }),
          h('td', { text: e.meetingId ? titles.get(e.meetingId) || '（已删除的会议）' : '' }),
          h('td', { class: 'small', text: detailText(e.detail) }),
        ),
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
  if (gen !== navigation()) return;
  show(
    '审计日志',
    h('h1', { text: '审计日志' }),
    h('p', { class: 'help', text: '记录管理操作（谁在何时对哪个会议做了什么），不记录任何投票。日志以哈希链相连，任何改动都能被校验发现。' }),
    h('div', { class: 'buttons' }, field('会议', filter), verify, lift),
    verifyOut,
    h('table', { class: 'list' }, h('thead', {}, h('tr', {}, ['#', '时间', '操作人', '操作', '会议', '详情'].map((t) => h('th', { scope: 'col', text: t })))), body),
  );
}
