// The new-meeting wizard: kind and unit, forms, subjects, respondent categories, confirm. The steps draw
// themselves (new-meeting-steps.js); this file holds the draft, the checks between steps and the final request.
import { action, errorBox, h, show, toast } from './dom.js';
import { kindOf, subjectKindLabel } from './meta.js';
import { navigation } from './router.js';
import { api, currentSession } from './session.js';
import { stepCategories, stepConfirm, stepForms, stepKind, stepSubjects } from './new-meeting-steps.js';

const WIZARD_KEY = 'ceping.wizard';

function readWizard() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(WIZARD_KEY) || 'null');
    return kept && kept.draft && typeof kept.draft === 'object' ? kept : null;
  } catch {
    return null;
  }
}

export async function viewNewMeeting() {
  const gen = navigation();
  const forms = await api('GET', '/api/forms');
  const assessors = currentSession().user.role === 'admin' ? (await api('GET', '/api/users')).filter((u) => u.role === 'assessor' && !u.disabled) : [];
  const blank = { title: '', unit: '', kind: 'village', staffCount: '', minRespondents: '', minReason: '', formIds: [], subjects: [], categories: [], assessorIds: [] };
  // What the wizard holds stays in this tab's sessionStorage until the meeting is created, so a session that ends
  // midway (the log-in form) or a reload loses nothing: logging in again comes back here with it.
  const kept = readWizard();
  const draft = kept ? { ...blank, ...kept.draft } : blank;
  const w = { draft, forms, assessors };
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
    sessionStorage.removeItem(WIZARD_KEY);
    toast(`已创建：${m.title}`);
    location.hash = `#/meetings/${m.id}`;
  }));

  function check(i) {
    if (i === 0) {
      if (!draft.title.trim()) return '请填写会议名称';
      if (!draft.unit.trim()) return '请填写被考核单位';
      if (kindOf(draft.kind).needsOwnMinimum && draft.minRespondents === '') return `“${kindOf(draft.kind).label}”类会议须填写最低参评人数`;
      if (draft.minRespondents !== '' && !(Number(draft.minRespondents) >= 1)) return '最低参评人数须为正整数';
      if (draft.minRespondents !== '' && draft.minReason.trim().length < 2) return '调整最低参评人数须写明理由';
      if (kindOf(draft.kind).needsStaffCount && draft.staffCount === '' && draft.minRespondents === '') return `${kindOf(draft.kind).label}须填写职工人数（全体干部职工参加）`;
    }
    if (i === 1 && draft.formIds.length === 0) return '请至少选择一张测评表';
    if (i === 2) {
      if (draft.subjects.some((x) => !x.name.trim())) return '测评对象姓名不能为空（或删除空行）';
      const needs = new Set(forms.filter((f) => draft.formIds.includes(f.id)).flatMap((f) => f.subjectKinds));
      if (needs.size && !draft.subjects.some((x) => needs.has(x.kind))) return `所选测评表需要以下类型的测评对象：${[...needs].map(subjectKindLabel).join('、')}`;
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
    body.replaceChildren(...[stepKind, stepForms, stepSubjects, stepCategories, stepConfirm][step](w).filter(Boolean));
    back.hidden = step === 0;
    next.textContent = step === steps.length - 1 ? '创建测评会议' : '下一步';
    const first = body.querySelector('input, select, textarea, button');
    if (first) first.focus();
    keep();
  }
  function keep() {
    sessionStorage.setItem(WIZARD_KEY, JSON.stringify({ draft, step }));
  }
  body.addEventListener('input', keep);
  body.addEventListener('change', keep);
  body.addEventListener('click', keep);
  const restart = h('button', { type: 'button', class: 'secondary small', id: 'wizard-restart', text: '清空，重新填写' });
  restart.addEventListener('click', () => {
    sessionStorage.removeItem(WIZARD_KEY);
    Object.assign(draft, structuredClone(blank));
    restored.hidden = true;
    go(0);
  });
  const restored = h('p', { class: 'notice', id: 'wizard-restored', role: 'status', hidden: !kept }, '已恢复上次未完成的填写。 ', restart);

  if (gen !== navigation()) return;
  show('新建测评会议', h('h1', { text: '新建测评会议' }), restored, h('div', { class: 'card' }, stepList, body, box, h('div', { class: 'buttons' }, back, next)));
  go(kept ? Number(kept.step) || 0 : 0);
}
