// One unit of an assessment round (admins only): its scores and levels, deductions under the indicator rules (001),
// the facts that cap a grade (001), the meetings that feed 述职评议 / 民主测评, its cadres and what is known of each
// (004: 立案审查, 退休, 挂职; 001 第十七条: 书记 and 分管党建工作的副职), and the 党建工作成效考核 unit it is linked to.
// Every entry carries a note and evidence, as the server requires; rules are shown by their text, never by their id.
import { action, errorBox, field, fmt, h, show, toast } from './dom.js';
import { navigation, route } from './router.js';
import { api } from './session.js';

const card = (title, ...nodes) => h('section', { class: 'card', 'aria-label': title }, h('h2', { text: title }), nodes);
const entered = (e) => (e ? `${e.enteredBy}，${fmt.time(e.enteredAt)}；说明：${e.note}；佐证：${e.evidence}` : '');
const noteAndEvidence = (prefix, e) => {
  const note = h('input', { class: 'note', maxlength: 1000, value: e ? e.note : '', placeholder: '说明（必填）', 'aria-label': `${prefix}说明` });
  const evidence = h('input', { class: 'evidence', maxlength: 500, value: e ? e.evidence : '', placeholder: '佐证材料：文号、台账编号等（必填）', 'aria-label': `${prefix}佐证材料` });
  return { note, evidence, check: () => (note.value.trim().length < 2 ? '请填写说明（至少 2 个字）' : evidence.value.trim().length < 2 ? '请填写佐证材料（文号、台账编号等，至少 2 个字）' : null) };
};

/**
 * A form whose entry needs a note and evidence: `fields` above them, one submit button; on submit the note and
 * evidence are checked, `send({ note, evidence })` stores the entry, and the toast says `done`.
 */
function evidencedForm({ prefix, stored, fields, button, evidenceHint, send, done }) {
  const ne = noteAndEvidence(prefix, stored);
  const b = h('button', { type: 'submit', id: button.id, text: button.text });
  const box = errorBox();
  const form = h('form', {}, fields, field('说明', ne.note), field('佐证材料', ne.evidence, evidenceHint), h('div', { class: 'buttons' }, b), box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      const problem = ne.check();
      if (problem) return box.set(problem);
      await send({ note: ne.note.value.trim(), evidence: ne.evidence.value.trim() });
      toast(done);
      route();
    }),
  );
  return form;
}

export async function viewRoundUnit(id, unitId) {
  const gen = navigation();
  const [round, meetings, forms] = await Promise.all([api('GET', `/api/rounds/${id}`), api('GET', '/api/meetings'), api('GET', '/api/forms')]);
  const unit = round.units.find((u) => u.id === unitId);
  if (!unit) throw new Error('该单位不在此考核轮次中');
  const pbRule = round.scheme.cadreRules && round.scheme.cadreRules.partyBuilding;
  const pbUnits = pbRule ? await partyBuildingUnits(round, pbRule) : [];
  const domain = round.scheme.domains.find((d) => d.key === unit.domain) || { label: unit.domain, inputs: [], ballotComponents: [] };
  const sections = [
    h('p', {}, h('a', { href: `#/rounds/${id}`, text: `← 返回“${round.title}”` })),
    h('h1', { text: unit.name }),
    h('p', { class: 'meta', text: `${round.title} · ${domain.label}。每项录入都须写明说明和佐证材料，记入审计日志。` }),
  ];
  if (domain.inputs.length) sections.push(card('得分录入', inputsPanel(round, unit, domain)));
  if (domain.ballotComponents.length) sections.push(card('关联测评会议', linksPanel(round, unit, domain, meetings, forms)));
  if (round.scheme.indicators.length) sections.push(card('扣分（指标考核）', deductionsPanel(round, unit)), card('考核情况', factsPanel(round, unit)));
  if (round.scheme.cadreRules && round.scheme.cadreRules.headBar) sections.push(card('主要领导评优限制', headBarPanel(round, unit)));
  if (pbRule) sections.push(card('党建工作成效考核结果', partyBuildingPanel(round, unit, pbRule, pbUnits)));
  if (round.scheme.cadres) sections.push(card('班子成员', cadresPanel(round, unit)));
  if (gen !== navigation()) return;
  show(`${unit.name} · ${round.title}`, sections);
}

function inputsPanel(round, unit, domain) {
  const rows = domain.inputs.map((spec) => {
    const cur = unit.inputs.find((x) => x.input === spec.input);
    const value =
      spec.kind === 'level'
        ? h(
            'select',
            { 'aria-label': spec.label },
            cur ? null : h('option', { value: '', text: '选择' }),
            spec.levels.map((v, i) => h('option', { value: v, text: (spec.levelLabels || spec.levels)[i], selected: cur && cur.value === v })),
          )
        : h('input', { type: 'number', class: 'num', min: spec.min, max: spec.max, step: spec.integer ? 1 : 'any', inputmode: 'decimal', value: cur ? cur.value : '', placeholder: spec.integer ? '项数' : '得分', 'aria-label': spec.label });
    const ne = noteAndEvidence(spec.label, cur);
    const b = h('button', { type: 'submit', class: 'small', text: '保存' });
    const box = errorBox();
    const form = h('form', { class: 'entry', 'data-input': spec.input }, value, ne.note, ne.evidence, b);
    form.addEventListener(
      'submit',
      action(b, box, async () => {
        if (value.value === '') return box.set(`请填写“${spec.label}”`);
        const problem = ne.check();
        if (problem) return box.set(problem);
        await api('PUT', `/api/rounds/${round.id}/units/${unit.id}/inputs/${spec.input}`, {
          value: spec.kind === 'level' ? value.value : Number(value.value),
          note: ne.note.value.trim(),
          evidence: ne.evidence.value.trim(),
        });
        toast(`已保存：${spec.label}`);
        route();
      }),
    );
    return h('tr', {}, h('th', { scope: 'row', text: spec.kind === 'level' ? spec.label : `${spec.label}（${spec.min}–${spec.max}）` }), h('td', {}, form, box), h('td', { class: 'small', text: entered(cur) || '未录入' }));
  });
  return h(
    'table',
    { class: 'list entries', id: 'inputs' },
    h('thead', {}, h('tr', {}, ['项目', '得分或等次 · 说明 · 佐证材料', '已录入'].map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows),
  );
}

function linksPanel(round, unit, domain, meetings, forms) {
  const formTitle = (fid) => (forms.find((f) => f.id === fid) || { title: '（测评表已不在目录中）' }).title;
  return h(
    'div',
    {},
    h('p', { class: 'help', text: '述职评议、民主测评的得分取自已结束的测评会议（低于最低参评人数的会议不能采用）。' }),
    domain.ballotComponents.map((c) => {
      const link = unit.links.find((l) => l.component === c.key);
      const box = errorBox();
      if (link) {
        const m = meetings.find((x) => x.id === link.meetingId);
        const subject = m && link.subjectId ? m.subjects.find((s) => s.id === link.subjectId) : null;
        const reason = h('input', { maxlength: 1000, 'aria-label': `取消关联“${c.label}”的理由` });
        const b = h('button', { type: 'submit', class: 'small danger', text: '取消关联' });
        const form = h('form', { class: 'inline' }, field('取消关联的理由（必填，记入审计日志）', reason), b);
        form.addEventListener(
          'submit',
          action(b, box, async () => {
            if (reason.value.trim().length < 2) return box.set('取消关联须写明理由（至少 2 个字）');
            await api('DELETE', `/api/rounds/${round.id}/units/${unit.id}/links/${c.key}`, { reason: reason.value.trim() });
            toast(`已取消关联：${c.label}`);
            route();
          }),
        );
        return h(
          'fieldset',
          { class: 'sub', 'data-component': c.key },
          h('legend', { text: c.label }),
          h('p', { class: 'ok', text: `已关联：${m ? m.title : '（会议已不存在）'} · ${formTitle(link.formId)}${subject ? ` · ${subject.name}` : ''}` }),
          form,
          box,
        );
      }
      const closed = meetings.filter((m) => m.status === 'closed');
      const meeting = h('select', { 'aria-label': `${c.label}：测评会议` }, h('option', { value: '', text: closed.length ? '选择已结束的测评会议' : '没有已结束的测评会议' }), closed.map((m) => h('option', { value: m.id, text: `${m.title}（${m.unit}）` })));
      const form_ = h('select', { 'aria-label': `${c.label}：测评表` });
      const subject = h('select', { 'aria-label': `${c.label}：测评对象` });
      const fill = () => {
        const m = closed.find((x) => x.id === meeting.value);
        form_.replaceChildren(...(m ? m.formIds.map((fid) => h('option', { value: fid, text: formTitle(fid) })) : []));
        const teams = m ? m.subjects.filter((s) => s.kind === 'team' || s.kind === 'organisation') : [];
        subject.replaceChildren(h('option', { value: '', text: '（该表不按对象计分）' }), ...teams.map((s, i) => h('option', { value: s.id, text: s.name, selected: i === 0 })));
      };
      meeting.addEventListener('change', fill);
      fill();
      const b = h('button', { type: 'submit', class: 'small', text: '关联' });
      const form = h('form', { class: 'inline' }, field('测评会议', meeting), field('测评表', form_), field('取哪个对象的得分', subject), b);
      form.addEventListener(
        'submit',
        action(b, box, async () => {
          if (!meeting.value) return box.set('请选择测评会议');
          await api('PUT', `/api/rounds/${round.id}/units/${unit.id}/links/${c.key}`, { meetingId: meeting.value, formId: form_.value, subjectId: subject.value || null });
          toast(`已关联：${c.label}`);
          route();
        }),
      );
      return h('fieldset', { class: 'sub', 'data-component': c.key }, h('legend', { text: c.label }), form, box);
    }),
  );
}

function deductionsPanel(round, unit) {
  const indicators = round.scheme.indicators;
  const ruleOf = (d) => {
    const ind = indicators.find((i) => i.id === d.indicatorId);
    return { ind, rule: ind && ind.rules.find((r) => r.id === d.ruleId) };
  };
  const list = unit.deductions.map((d) => {
    const { ind, rule } = ruleOf(d);
    const reason = h('input', { maxlength: 1000, placeholder: '撤销理由（必填）', 'aria-label': '撤销扣分的理由' });
    const b = h('button', { type: 'submit', class: 'small secondary', text: '撤销' });
    const box = errorBox();
    const form = h('form', { class: 'inline' }, reason, b, box);
    form.addEventListener(
      'submit',
      action(b, box, async () => {
        if (reason.value.trim().length < 2) return box.set('撤销扣分须写明理由（至少 2 个字）');
        await api('DELETE', `/api/rounds/${round.id}/units/${unit.id}/deductions/${d.id}`, { reason: reason.value.trim() });
        toast('已撤销扣分');
        route();
      }),
    );
    return h(
      'tr',
      {},
      h('td', { text: ind ? ind.label : '（指标已不在方案中）' }),
      h('td', { class: 'small', text: rule ? rule.text : '（规则已不在方案中）' }),
      h('td', { class: 'num', text: `${d.occurrences} 次，扣 ${fmt.num(d.points)} 分` }),
      h('td', { class: 'small', text: entered(d) }),
      h('td', {}, form),
    );
  });

  const indicator = h('select', { id: 'ded-indicator' }, indicators.map((i) => h('option', { value: i.id, text: `${i.section} ${i.label}（${i.max} 分）` })));
  const rule = h('select', { id: 'ded-rule' });
  const occ = h('input', { id: 'ded-occurrences', type: 'number', min: 1, step: 'any', value: 1, class: 'num' });
  const occField = field('次数', occ);
  const syncRules = () => {
    const ind = indicators.find((i) => i.id === indicator.value);
    rule.replaceChildren(...(ind ? ind.rules.map((r) => h('option', { value: r.id, text: `${r.text}（扣 ${r.points} 分${r.per ? `/${r.per}` : ''}）` })) : []));
    syncOcc();
  };
  const syncOcc = () => {
    const ind = indicators.find((i) => i.id === indicator.value);
    const r = ind && ind.rules.find((x) => x.id === rule.value);
    occField.hidden = !(r && r.per);
    if (r && r.per) occField.querySelector('label').textContent = `次数（${r.per}）`;
  };
  indicator.addEventListener('change', syncRules);
  rule.addEventListener('change', syncOcc);
  syncRules();
  const form = evidencedForm({
    prefix: '扣分',
    stored: null,
    fields: [field('指标', indicator), field('扣分情形', rule), occField],
    button: { id: 'ded-add', text: '录入扣分' },
    evidenceHint: '文号、台账编号、通报名称等',
    send: (ne) =>
      api('POST', `/api/rounds/${round.id}/units/${unit.id}/deductions`, {
        indicatorId: indicator.value,
        ruleId: rule.value,
        ...(occField.hidden ? {} : { occurrences: Number(occ.value) }),
        ...ne,
      }),
    done: '已录入扣分',
  });
  return h(
    'div',
    {},
    list.length
      ? h('table', { class: 'list', id: 'deductions' }, h('thead', {}, h('tr', {}, ['指标', '扣分情形', '扣分', '录入', '撤销（须写明理由）'].map((t) => h('th', { scope: 'col', text: t })))), h('tbody', {}, list))
      : h('p', { class: 'muted', text: '尚无扣分。' }),
    h('h3', { text: '录入一条扣分' }),
    form,
  );
}

function factsPanel(round, unit) {
  const f = unit.facts || {};
  const named = h('input', { type: 'checkbox', id: 'fact-named', checked: Boolean(f.namedCriticism) });
  const grave = h('input', { type: 'checkbox', id: 'fact-grave', checked: Boolean(f.graveProblem) });
  const ineffective = h('input', { type: 'checkbox', id: 'fact-ineffective', checked: Boolean(f.ineffective) });
  const falsified = h('input', { type: 'checkbox', id: 'fact-falsified', checked: Boolean(f.falsified) });
  const satisfaction = h('select', { id: 'fact-satisfaction' }, h('option', { value: '', text: '未开展或不适用' }), ['好', '较好', '一般', '差'].map((g) => h('option', { value: g, text: g, selected: f.satisfaction === g })));
  const form = evidencedForm({
    prefix: '考核情况',
    stored: f.note ? f : null,
    fields: [
      h('label', { class: 'check' }, named, ' 受到党中央、国务院、省委、省人民政府点名或通报批评'),
      h('label', { class: 'check' }, grave, ' 存在重大问题，造成严重影响'),
      h('label', { class: 'check' }, ineffective, ' 加强党的建设年度成效不明显'),
      h('label', { class: 'check' }, falsified, ' 在考核中弄虚作假（等次降低一档）'),
      field('党内集中教育满意度调查评估等次', satisfaction),
    ],
    button: { id: 'facts-save', text: '保存考核情况' },
    send: (ne) =>
      api('PUT', `/api/rounds/${round.id}/units/${unit.id}/facts`, {
        ...keptFacts(f, HEAD_BAR_FACTS.map(([k]) => k)),
        namedCriticism: named.checked,
        graveProblem: grave.checked,
        ineffective: ineffective.checked,
        falsified: falsified.checked,
        satisfaction: satisfaction.value || null,
        ...ne,
      }),
    done: '已保存考核情况',
  });
  return h('div', {}, h('p', { class: 'help', text: '这些情况会限制可评定的最高等次（001）。' }), f.enteredBy ? h('p', { class: 'small', text: `上次录入：${entered(f)}` }) : null, form);
}

/** The unit facts that bar its heads from 评优 (004), with the words of the document. */
const HEAD_BAR_FACTS = [
  ['massIncident', '本辖区内出现群体性事件'],
  ['heldAccountable', '被县委、政府问责'],
  ['partyBuildingLow', '党建工作排在全县后列'],
  ['majorCorruption', '本乡镇、本部门出现重大腐败案件'],
];

/** The facts `keys` as they are stored, so that saving one card keeps what another card recorded. */
function keptFacts(f, keys) {
  const out = {};
  for (const k of keys) if (f[k] !== undefined && f[k] !== null) out[k] = f[k];
  return out;
}

function headBarPanel(round, unit) {
  const f = unit.facts || {};
  const boxes = HEAD_BAR_FACTS.map(([key, text]) => [key, text, h('input', { type: 'checkbox', id: `fact-${key}`, checked: Boolean(f[key]) })]);
  const form = evidencedForm({
    prefix: '评优限制',
    stored: f.note ? f : null,
    fields: boxes.map(([, text, input]) => h('label', { class: 'check' }, input, ` ${text}`)),
    button: { id: 'headbar-save', text: '保存' },
    send: (ne) =>
      api('PUT', `/api/rounds/${round.id}/units/${unit.id}/facts`, {
        ...keptFacts(f, ['namedCriticism', 'graveProblem', 'ineffective', 'falsified', 'satisfaction']),
        ...Object.fromEntries(boxes.map(([key, , input]) => [key, input.checked])),
        ...ne,
      }),
    done: '已保存评优限制',
  });
  return h(
    'div',
    {},
    h('p', { class: 'help', text: '本年度出现以下情况的，本单位党政主要领导不能参加评优，不得确定为优秀。' }),
    f.enteredBy ? h('p', { class: 'small', text: `上次录入：${entered(f)}` }) : null,
    form,
  );
}

/** The units of every other round scored under the document the rule names (001 党建工作成效考核), by round. */
async function partyBuildingUnits(round, rule) {
  const [rounds, schemes] = await Promise.all([api('GET', '/api/rounds'), api('GET', '/api/schemes')]);
  const seedOf = (schemeId) => (schemes.find((x) => x.id === schemeId) || {}).seed;
  const candidates = rounds.filter((r) => r.id !== round.id && seedOf(r.schemeId) === rule.seed);
  const full = await Promise.all(candidates.map((r) => api('GET', `/api/rounds/${r.id}`)));
  return full.flatMap((r) => r.units.map((u) => ({ id: u.id, name: u.name, roundId: r.id, roundTitle: r.title })));
}

function partyBuildingPanel(round, unit, rule, units) {
  const current = units.find((u) => u.id === unit.partyBuildingUnitId);
  const byRound = new Map();
  for (const u of units) byRound.set(u.roundId, [...(byRound.get(u.roundId) || []), u]);
  // Not linked yet: the unit of the same name is the likely one.
  const guess = current || units.find((u) => u.name === unit.name);
  const select = h(
    'select',
    { id: 'pb-unit' },
    h('option', { value: '', text: units.length ? '选择党建工作成效考核中的单位' : '尚无党建工作成效考核轮次' }),
    [...byRound.values()].map((list) => h('optgroup', { label: list[0].roundTitle }, list.map((u) => h('option', { value: u.id, text: u.name, selected: guess && guess.id === u.id })))),
  );
  const b = h('button', { type: 'submit', id: 'pb-link', text: '关联' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('党建工作成效考核中的同一单位', select), b);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      if (!select.value) return box.set('请选择党建工作成效考核中的单位');
      await api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: select.value });
      toast('已关联党建工作成效考核结果');
      route();
    }),
  );
  const parts = [
    h('p', { class: 'help', text: `${rule.text}（${rule.document}）。关联后，书记、分管党建工作的副职的等次建议按该单位的党建工作成效考核等次（已确定的，否则为建议等次）核对。` }),
    h('p', { class: unit.partyBuildingUnitId ? 'ok' : 'muted', id: 'pb-current', text: unit.partyBuildingUnitId ? `已关联：${current ? `${current.roundTitle} · ${current.name}` : '（单位已不在考核轮次中）'}` : '未关联。' }),
    form,
  ];
  if (unit.partyBuildingUnitId) {
    const off = h('button', { type: 'button', class: 'small secondary', id: 'pb-unlink', text: '取消关联' });
    off.addEventListener(
      'click',
      action(off, box, async () => {
        await api('PUT', `/api/rounds/${round.id}/units/${unit.id}/party-building`, { partyBuildingUnitId: null });
        toast('已取消关联');
        route();
      }),
    );
    parts.push(h('div', { class: 'buttons' }, off));
  }
  parts.push(box);
  return h('div', {}, parts);
}

const SECONDMENTS = [
  ['none', '非挂职干部'],
  ['from-above', '中央、省、市下派挂职'],
  ['county-6plus', '县级下派挂职满6个月'],
  ['county-under6', '县级下派挂职不满6个月'],
];
const PARTY_ROLES = [
  ['none', '无党建职责'],
  ['secretary', '党委（党组）书记'],
  ['party-building-deputy', '分管党建工作的副职'],
];

/** The facts of one cadre the round's scheme has rules for (004: 立案审查, 退休, 挂职; 001 第十七条: 党建职责). */
function cadreFacts(rules, c) {
  const name = c ? c.name : '新成员';
  const out = { controls: [], read: () => ({}) };
  if (!rules) return out;
  const investigation = rules.investigation ? h('input', { type: 'checkbox', class: 'fact-investigation', checked: Boolean(c && c.underInvestigation), 'aria-label': `${name} 立案审查调查尚未结案` }) : null;
  const retired = rules.retired ? h('input', { type: 'checkbox', class: 'fact-retired', checked: Boolean(c && c.retired), 'aria-label': `${name} 12月31日前退休` }) : null;
  const secondment = rules.secondment ? h('select', { class: 'fact-secondment', 'aria-label': `${name} 挂职情况` }, SECONDMENTS.map(([v, t]) => h('option', { value: v, text: t, selected: (c ? c.secondment : 'none') === v }))) : null;
  const role = rules.partyBuilding ? h('select', { class: 'fact-party-role', 'aria-label': `${name} 党建职责` }, PARTY_ROLES.map(([v, t]) => h('option', { value: v, text: t, selected: (c ? c.partyRole : 'none') === v }))) : null;
  if (investigation) out.controls.push(h('label', { class: 'check', title: '参加年度考核，但不确定等次，待结案后确定' }, investigation, ' 立案审查调查尚未结案'));
  if (retired) out.controls.push(h('label', { class: 'check', title: '不参加年度考核' }, retired, ' 12月31日前退休'));
  if (secondment) out.controls.push(secondment);
  if (role) out.controls.push(role);
  out.read = () => ({
    ...(investigation ? { underInvestigation: investigation.checked } : {}),
    ...(retired ? { retired: retired.checked } : {}),
    ...(secondment ? { secondment: secondment.value } : {}),
    ...(role ? { partyRole: role.value } : {}),
  });
  return out;
}

function cadresPanel(round, unit) {
  const rules = round.scheme.cadreRules;
  const rows = unit.cadres.map((c) => {
    const score = h('input', { type: 'number', class: 'num', min: 0, max: 100, step: 'any', value: c.score ?? '', 'aria-label': `${c.name} 测评得分` });
    const daily = h('input', { type: 'checkbox', checked: c.noExcellentInDaily, 'aria-label': `${c.name} 平时考核无“好”等次` });
    const facts = cadreFacts(rules, c);
    const b = h('button', { type: 'submit', class: 'small', text: '保存' });
    const box = errorBox();
    const form = h('form', { class: 'inline' }, score, h('label', { class: 'check' }, daily, ' 平时考核无“好”等次'), facts.controls, b, box);
    form.addEventListener(
      'submit',
      action(b, box, async () => {
        await api('PUT', `/api/rounds/${round.id}/cadres/${c.id}`, { score: score.value === '' ? null : Number(score.value), noExcellentInDaily: daily.checked, ...facts.read() });
        toast(`已保存：${c.name}`);
        route();
      }),
    );
    return h('tr', { 'data-cadre': c.name }, h('th', { scope: 'row', text: c.name }), h('td', { text: `${c.title || ''}${c.isHead ? '（主要负责人）' : ''}` }), h('td', {}, form));
  });
  const name = h('input', { id: 'cadre-name', maxlength: 50 });
  const title = h('input', { id: 'cadre-title', maxlength: 100 });
  const head = h('input', { type: 'checkbox', id: 'cadre-head' });
  const score = h('input', { id: 'cadre-score', type: 'number', min: 0, max: 100, step: 'any', class: 'num' });
  const facts = cadreFacts(rules, null);
  const b = h('button', { type: 'submit', id: 'cadre-add', text: '添加班子成员' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('姓名', name), field('职务', title), field('测评得分', score), h('label', { class: 'check' }, head, ' 主要负责人'), facts.controls, b, box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      if (!name.value.trim()) return box.set('请填写姓名');
      await api('POST', `/api/rounds/${round.id}/units/${unit.id}/cadres`, {
        cadres: [{ name: name.value.trim(), ...(title.value.trim() ? { title: title.value.trim() } : {}), isHead: head.checked, ...(score.value !== '' ? { score: Number(score.value) } : {}), ...facts.read() }],
      });
      toast(`已添加：${name.value.trim()}`);
      route();
    }),
  );
  const help = rules && (rules.investigation || rules.retired || rules.secondment || rules.partyBuilding)
    ? h('p', {
        class: 'help',
        text: '立案审查调查尚未结案的，参加考核、计算基数，但暂不确定等次；12月31日前退休的，不参加年度考核；中央、省、市下派挂职的，优秀不占本单位指标；县级下派挂职不满6个月的，在原单位考核。党委（党组）书记、分管党建工作的副职：本单位党建工作成效考核达不到“好”的，不得评为优秀。',
      })
    : null;
  return h(
    'div',
    {},
    help,
    rows.length ? h('table', { class: 'list', id: 'cadres' }, h('thead', {}, h('tr', {}, ['姓名', '职务', '测评得分与情况'].map((t) => h('th', { scope: 'col', text: t })))), h('tbody', {}, rows)) : h('p', { class: 'muted', text: '尚未添加班子成员。' }),
    form,
  );
}
