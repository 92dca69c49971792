// One meeting: its state and the buttons that move it (open, close, reopen), turnout, sign-in, slips, paper
// ballots, the closing report, the minimum and the assessors.
import { action, checkbox, errorBox, field, flagsList, fmt, h, show, toast, toggle } from './dom.js';
import { kindOf, statusLabel } from './meta.js';
import { paperPanel, slipsPanel, voidPanel } from './meeting-slips.js';
import { every, navigation, route } from './router.js';
import { api, currentSession, download } from './session.js';
import { flagsForStatus } from './turnout-state.js';
import { editPanel, subjectsPanel } from './meeting-edit.js';

export async function viewMeeting(id) {
  const gen = navigation();
  const m = await api('GET', `/api/meetings/${id}`);
  const card = (title, ...nodes) => h('section', { class: 'card', 'aria-label': title }, h('h2', { text: title }), nodes);

  // Turnout, refreshed while the poll is open; the last figures are kept for the warnings of open and close.
  let latest = null;
  const turnoutBox = h('div', { id: 'turnout', 'aria-live': 'polite' });
  const refreshTurnout = async () => {
    latest = await api('GET', `/api/meetings/${id}/turnout`);
    turnoutBox.replaceChildren(turnoutView(m, latest));
  };
  // Everything on the page that shows counts: the turnout and the slip batches (voided, used).
  const refreshers = [refreshTurnout];
  const refreshAll = async () => {
    await Promise.all(refreshers.map((f) => f().catch(() => {})));
  };
  await refreshTurnout();
  if (m.status === 'open' && gen === navigation()) every(4000, () => refreshTurnout().catch(() => {}));

  let status = card('测评状态', pollControls(m, () => latest));

  const k = kindOf(m.kind);
  const signed = h('input', { id: 'signed-in', type: 'number', min: 0, inputmode: 'numeric', value: m.signedIn ?? '' });
  const interviews = h('input', { id: 'interviews', type: 'number', min: 0, inputmode: 'numeric', value: m.interviews ?? '' });
  const saveAtt = h('button', { type: 'submit', text: '保存' });
  const attBox = errorBox();
  const attForm = h('form', { class: 'inline' }, field('签到人数', signed, '以签到表为准'), field('个别谈话人数', interviews, k.interviewRule), saveAtt, attBox);
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
      // The open button's warning depends on the sign-in: redraw the state card with the new figures.
      const fresh = card('测评状态', pollControls({ ...m, ...body }, () => latest));
      status.replaceWith(fresh);
      status = fresh;
    }),
  );

  const liveLinks = h('p', { class: 'links' });
  // rel=opener (same origin): the new tab starts with a copy of this tab's sessionStorage, that is, the login.
  for (const [href, text] of livePages(id)) liveLinks.append(h('a', { href, target: '_blank', rel: 'opener', text }), ' ');

  const sections = [
    h('div', { class: 'head' }, h('h1', { text: m.title }), h('a', { class: 'button', href: `#/meetings/${id}/results`, text: m.status === 'open' ? '测评结果（结束后查看）' : '查看测评结果' })),
    h('p', { class: 'meta' }, `${m.unit} · ${m.kindLabel} · `, h('span', { class: `badge ${m.status}`, text: statusLabel(m.status) }), ` · 最低参评人数 ${fmt.int(m.minRespondents)} 人`, m.minOverrideReason ? `（调整理由：${m.minOverrideReason}）` : ''),
    status,
    card('参评进度', turnoutBox, liveLinks),
    card('签到与个别谈话', attForm),
    card('测评票', slipsPanel(m, refreshAll, refreshers)),
    card('作废测评票', voidPanel(m, refreshAll)),
    card('纸质票录入', paperPanel(m)),
    card('测评对象', subjectsPanel(m)),
  ];
  if (m.status === 'draft') sections.push(card('修改或删除会议', editPanel(m, await api('GET', '/api/forms'), latest.slipsIssued > 0)));
  if (m.status === 'closed') sections.splice(3, 0, card('结束报告', closingPanel(m)));
  if (currentSession().user.role === 'admin') sections.push(card('最低参评人数', minimumPanel(m)), card('考核组成员', await assessorsPanel(m)));
  if (gen !== navigation()) return;
  show(m.title, sections);
}

/** The live progress and projector pages. */
function livePages(id) {
  return [
    [`/meetings/${id}/live.html`, '现场进度页（新窗口）'],
    [`/meetings/${id}/projector.html`, '投屏页（新窗口）'],
  ];
}

/** Sign-in below the minimum: even if everyone present votes, the round cannot reach it. */
function signInShort(m, t) {
  return t && t.minRespondents !== null && t.signedIn !== null && t.signedIn < t.minRespondents;
}

function turnoutView(m, t) {
  const prog = h('progress', { max: t.minRespondents || Math.max(t.ballotsCast, 1), value: t.ballotsCast, 'aria-label': '已投票人数相对最低参评人数' });
  let verdict;
  if (t.minRespondents === null) verdict = h('p', { class: 'warn', text: '尚未确定最低参评人数' });
  else if (t.meetsMinimum) verdict = h('p', { class: 'ok', text: '已达到最低参评人数' });
  else if (m.status === 'closed') verdict = null; // the 无效 flag below says it
  else verdict = h('p', { class: 'muted', text: m.status === 'draft' ? `尚未开始投票；最低参评人数 ${t.minRespondents} 人` : '尚未达到最低参评人数' });
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
    verdict,
    t.allSignedInVoted && m.status === 'open' ? h('p', { class: 'ok', id: 'all-voted', role: 'status', text: '全部签到人员已投票：可以结束测评。' }) : null,
    signInShort(m, t) && m.status !== 'closed'
      ? h('p', { class: 'warn', id: 'signin-warning', role: 'alert', text: `签到 ${t.signedIn} 人，少于最低参评人数 ${t.minRespondents} 人：即使到会人员全部投票，本次测评也将无效。请核对签到表，或由管理员写明理由调整最低人数。` })
      : null,
    flagsList(flagsForStatus(m.status, t)),
  );
}

function pollControls(m, turnout) {
  const box = errorBox();
  const wrap = h('div', {}, h('p', {}, '当前状态：', h('strong', { text: statusLabel(m.status) }), m.closedAt ? `（${fmt.time(m.closedAt)} 由 ${m.closedBy} 结束）` : ''));
  const reload = () => route();
  if (m.status === 'draft') {
    const t = turnout();
    const b = h('button', { type: 'button', id: 'open-poll', text: '开始测评' });
    if (signInShort(m, t)) wrap.append(h('p', { class: 'warn', id: 'open-warning', text: `签到 ${t.signedIn} 人，少于最低参评人数 ${t.minRespondents} 人。` }));
    else if (t && t.signedIn === null) wrap.append(h('p', { class: 'muted', id: 'open-warning', text: '尚未登记签到人数：开始前请按签到表填写，以便核对投票数。' }));
    b.addEventListener('click', action(b, box, async () => {
      const now = turnout();
      if (signInShort(m, now) && !confirm(`签到 ${now.signedIn} 人，少于最低参评人数 ${now.minRespondents} 人。\n即使到会人员全部投票，本次测评也将认定为无效。\n\n仍要开始测评吗？`)) return;
      await api('POST', `/api/meetings/${m.id}/open`, {});
      toast('测评已开始，参会人员现在可以扫码投票');
      reload();
    }));
    wrap.append(b);
  } else if (m.status === 'open') {
    const b = h('button', { type: 'button', id: 'close-poll', class: 'danger', text: '结束测评' });
    b.addEventListener('click', action(b, box, async () => {
      const t = turnout();
      const below = t && t.minRespondents !== null && !t.meetsMinimum;
      const question = below
        ? `已投票${t.coarsened ? '至少' : ''} ${t.ballotsCast} 人，少于最低参评人数 ${t.minRespondents} 人。\n现在结束，本次测评将认定为无效：结果、导出文件和结束报告都会标明“无效”。\n要补投，须写明理由重新开启测评。\n\n确定在未达最低人数时结束吗？`
        : '结束测评后不能再投票（重新开启须写明理由）。确定结束吗？';
      if (!confirm(question)) return;
      await api('POST', `/api/meetings/${m.id}/close`, {});
      toast(below ? '测评已结束：未达到最低参评人数，结果无效' : '测评已结束');
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
  const k = kindOf(m.kind);
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
  return h('div', {}, h('p', { class: 'rule', text: `规定：${k.minimumRule}。当前：${fmt.int(m.minRespondents)} 人${m.minOverrideReason ? `（已调整：${m.minOverrideReason}）` : ''}。` }), form);
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
