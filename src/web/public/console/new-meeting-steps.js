// The steps of the new-meeting wizard; each draws its part of the draft (w.draft) and edits it in place.
import { decodeCsv, subjectsFromText } from './import.js';
import { checkbox, field, h, toggle } from './dom.js';
import { categoryPresets, kindOf, meetingKinds, subjectKindLabel, subjectKinds } from './meta.js';

const bind = (draft, control, key) => {
  control.value = draft[key];
  control.addEventListener('input', () => (draft[key] = control.value));
  return control;
};

export function stepKind(w) {
  const { draft, assessors } = w;
  const kind = h('select', { id: 'kind' }, meetingKinds().map((k) => h('option', { value: k.kind, text: k.label, selected: draft.kind === k.kind })));
  const rule = h('p', { class: 'rule', id: 'kind-rule', 'aria-live': 'polite' });
  const staff = field('职工人数（全体参加）', bind(draft, h('input', { id: 'staff-count', type: 'number', min: 1, inputmode: 'numeric' }), 'staffCount'));
  const min = bind(draft, h('input', { id: 'min-override', type: 'number', min: 1, inputmode: 'numeric' }), 'minRespondents');
  const reason = bind(draft, h('input', { id: 'min-reason', maxlength: 500 }), 'minReason');
  const override = h('fieldset', { class: 'sub' }, h('legend', { text: '调整最低参评人数（须写明理由，记入审计日志）' }), field('最低参评人数', min), field('理由', reason));
  const sync = () => {
    draft.kind = kind.value;
    const k = kindOf(draft.kind);
    rule.textContent = k.minimum ? `最低参评人数：${k.minimum} 人。${k.minimumRule}` : `${k.minimumRule}${k.needsStaffCount ? '：请填写职工人数' : ''}`;
    staff.hidden = !k.needsStaffCount;
    override.querySelector('legend').textContent = k.needsOwnMinimum ? '最低参评人数（必填）及依据' : '调整最低参评人数（须写明理由，记入审计日志）';
  };
  kind.addEventListener('change', sync);
  sync();
  const nodes = [
    field('会议名称', bind(draft, h('input', { id: 'title', maxlength: 100, placeholder: '如：2026年度插旗村党组织政治建设考察暨班子年度考核' }), 'title')),
    field('被考核单位', bind(draft, h('input', { id: 'unit', maxlength: 100, placeholder: '如：插旗镇插旗村' }), 'unit')),
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

/** A seed by its number ("003"), never by its file name. */

export function stepForms(w) {
  const { draft, forms } = w;
  const k = kindOf(draft.kind);
  // The forms of this kind of meeting first, in the order the rules list them; then all the others.
  const suggested = k.suggestedFormIds || [];
  const mine = suggested.map((id) => forms.find((f) => f.id === id)).filter(Boolean);
  const rest = forms.filter((f) => !suggested.includes(f.id));
  const row = (f) =>
    h(
      'div',
      { class: 'choice-row' },
      checkbox(f.title, draft.formIds.includes(f.id), (on) => toggle(draft.formIds, f.id, on), f.id),
      h('p', { class: 'help', text: `${f.description || ''} 共 ${f.questionCount} 题；测评对象：${f.subjectKinds.map(subjectKindLabel).join('、') || '无'}；依据${f.document}` }),
    );
  return [
    mine.length ? h('fieldset', { class: 'sub', id: 'forms-suggested' }, h('legend', { text: `${k.label}测评常用的测评表（可多选）` }), mine.map(row)) : null,
    h('fieldset', { class: 'sub', id: 'forms-other' }, h('legend', { text: mine.length ? '其他测评表' : '选择本次会议使用的测评表（可多选）' }), rest.map(row)),
  ];
}

export function stepSubjects(w) {
  const { draft } = w;
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
        const kind = h('select', { 'aria-label': `第 ${i + 1} 行 类型` }, subjectKinds().map((sk) => h('option', { value: sk.kind, text: sk.label, selected: x.kind === sk.kind })));
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

export function stepCategories(w) {
  const { draft } = w;
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
  const presets = categoryPresets().map((p) => {
    const b = h('button', { type: 'button', class: 'secondary', text: p.label });
    b.addEventListener('click', () => {
      draft.categories = p.categories.map((c) => ({ key: c.key, label: c.label, weight: String(Math.round(c.weight * 100)) }));
      redraw();
    });
    return b;
  });
  redraw();
  return [
    h('p', { class: 'help', text: '可选。参评人员分为不同类别时（如领导自评与民主评议），每类按权重计入加权平均分。不足 5 张票的类别不单独显示。' }),
    h('table', { class: 'edit' }, h('thead', {}, h('tr', {}, ['类别名称', '权重', ''].map((t) => h('th', { scope: 'col', text: t })))), table),
    sum,
    h('div', { class: 'buttons' }, add, presets),
  ];
}

export function stepConfirm(w) {
  const { draft, forms } = w;
  const k = kindOf(draft.kind);
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
