// Correcting a meeting: a draft's settings, forms and subjects (PATCH /api/meetings/:id), deleting a draft, and a
// spelling fix of one subject's name or 职务 at any time (with a reason once the poll has opened). Once slips are
// issued the server keeps the forms and the list of subjects as printed; the form says so before anyone tries.
import { action, checkbox, errorBox, field, h, toast, toggle } from './dom.js';
import { kindOf, meetingKinds, subjectKindLabel, subjectKinds } from './meta.js';
import { route } from './router.js';
import { api } from './session.js';

/** The edit form of a draft. `slipsIssued`: slips exist, so only names, titles and the meeting's own fields change. */
export function editPanel(m, forms, slipsIssued) {
  const title = h('input', { id: 'edit-title', maxlength: 100, value: m.title, required: true });
  const unit = h('input', { id: 'edit-unit', maxlength: 100, value: m.unit, required: true });
  const kind = h('select', { id: 'edit-kind' }, meetingKinds().map((k) => h('option', { value: k.kind, text: k.label, selected: m.kind === k.kind })));
  const staff = h('input', { id: 'edit-staff', type: 'number', min: 1, inputmode: 'numeric', value: m.staffCount ?? '' });
  const staffField = field('职工人数（全体参加）', staff);
  staffField.hidden = !kindOf(m.kind).needsStaffCount;
  const formIds = [...m.formIds];
  const subjects = m.subjects.map((s) => ({ id: s.id, name: s.name, title: s.title || '', kind: s.kind, isHead: s.isHead }));

  const rows = h('tbody');
  const drawRows = () =>
    rows.replaceChildren(
      ...subjects.map((x, i) => {
        const name = h('input', { value: x.name, maxlength: 50, 'aria-label': `第 ${i + 1} 个测评对象的姓名或名称` });
        name.addEventListener('input', () => (x.name = name.value));
        const pos = h('input', { value: x.title, maxlength: 50, 'aria-label': `第 ${i + 1} 个测评对象的职务` });
        pos.addEventListener('input', () => (x.title = pos.value));
        const k = h('select', { 'aria-label': `第 ${i + 1} 个测评对象的类型`, disabled: slipsIssued }, subjectKinds().map((o) => h('option', { value: o.kind, text: o.label, selected: o.kind === x.kind })));
        k.addEventListener('change', () => (x.kind = k.value));
        const head = h('input', { type: 'checkbox', checked: x.isHead, disabled: slipsIssued, 'aria-label': `第 ${i + 1} 个测评对象是主要负责人` });
        head.addEventListener('change', () => (x.isHead = head.checked));
        const del = h('button', { type: 'button', class: 'small secondary', text: '删除', 'aria-label': `删除第 ${i + 1} 个测评对象` });
        del.addEventListener('click', () => {
          subjects.splice(i, 1);
          drawRows();
        });
        return h('tr', {}, h('td', {}, name), h('td', {}, pos), h('td', {}, k), h('td', { class: 'center' }, head), h('td', {}, slipsIssued ? null : del));
      }),
    );
  drawRows();
  const add = h('button', { type: 'button', class: 'small secondary', id: 'edit-add-subject', text: '添加测评对象' });
  add.addEventListener('click', () => {
    subjects.push({ name: '', title: '', kind: 'person', isHead: false });
    drawRows();
    rows.querySelector('tr:last-child input').focus();
  });

  // Respondent categories and their weights (in %), as in the wizard; frozen once slips (which carry one) exist.
  const cats = m.categories.map((c) => ({ key: c.key, label: c.label, weight: String(Math.round(c.weight * 1000) / 10) }));
  const catRows = h('tbody');
  const drawCats = () =>
    catRows.replaceChildren(
      ...cats.map((c, i) => {
        const label = h('input', { value: c.label, maxlength: 30, 'aria-label': `第 ${i + 1} 个类别的名称` });
        label.addEventListener('input', () => (c.label = label.value));
        const weight = h('input', { type: 'number', class: 'num', min: 1, max: 100, step: 'any', value: c.weight, 'aria-label': `第 ${i + 1} 个类别的权重（%）` });
        weight.addEventListener('input', () => (c.weight = weight.value));
        const del = h('button', { type: 'button', class: 'small secondary', text: '删除', 'aria-label': `删除第 ${i + 1} 个类别` });
        del.addEventListener('click', () => {
          cats.splice(i, 1);
          drawCats();
        });
        return h('tr', {}, h('td', {}, label), h('td', {}, weight), h('td', {}, del));
      }),
    );
  drawCats();
  const addCat = h('button', { type: 'button', class: 'small secondary', id: 'edit-add-category', text: '添加类别' });
  addCat.addEventListener('click', () => {
    cats.push({ key: '', label: '', weight: '' });
    drawCats();
  });
  const categoriesBox = slipsIssued
    ? null
    : h(
        'fieldset',
        { class: 'sub', id: 'edit-categories' },
        h('legend', { text: '参评人员类别与权重（不分类别可全部删除）' }),
        h('table', { class: 'edit' }, h('thead', {}, h('tr', {}, ['类别', '权重（%）', ''].map((t) => h('th', { scope: 'col', text: t })))), catRows),
        h('div', { class: 'buttons' }, addCat),
      );
  const categoriesChanged = () => JSON.stringify(cats.map((c) => [c.key, c.label.trim(), Number(c.weight)])) !== JSON.stringify(m.categories.map((c) => [c.key, c.label, Math.round(c.weight * 1000) / 10]));

  const save = h('button', { type: 'submit', id: 'edit-save', text: '保存修改' });
  const box = errorBox();
  const form = h(
    'form',
    { id: 'edit-meeting' },
    h('div', { class: 'grid' }, field('会议名称', title), field('被考核单位', unit), field('会议类别', kind, '类别决定最低参评人数'), staffField),
    slipsIssued
      ? h('p', { class: 'notice', id: 'edit-frozen', text: '已经生成测评票：测评表、测评对象的增减和类型不能再改（与已发出的票一致），姓名和职务的错字仍可更正。' })
      : h('fieldset', { class: 'sub' }, h('legend', { text: '测评表' }), forms.map((f) => checkbox(f.title, formIds.includes(f.id), (on) => toggle(formIds, f.id, on), `edit-${f.id}`))),
    h(
      'table',
      { class: 'edit', id: 'edit-subjects' },
      h('caption', { text: '测评对象' }),
      h('thead', {}, h('tr', {}, ['姓名或名称', '职务', '类型', '主要负责人', ''].map((t) => h('th', { scope: 'col', text: t })))),
      rows,
    ),
    slipsIssued ? null : h('div', { class: 'buttons' }, add),
    categoriesBox,
    box,
    h('div', { class: 'buttons' }, save),
  );
  form.addEventListener(
    'submit',
    action(save, box, async () => {
      if (!title.value.trim() || !unit.value.trim()) return box.set('会议名称和被考核单位不能为空');
      if (subjects.some((x) => !x.name.trim())) return box.set('测评对象姓名不能为空（或删除空行）');
      if (!formIds.length) return box.set('请至少选择一张测评表');
      if (!slipsIssued && cats.length) {
        if (cats.some((c) => !c.label.trim())) return box.set('请填写每个类别的名称');
        const sum = cats.reduce((a, c) => a + Number(c.weight || 0), 0);
        if (Math.abs(sum - 100) > 1e-6) return box.set(`各类别权重之和须为 100%（现为 ${sum}%）`);
      }
      const body = {
        title: title.value.trim(),
        unit: unit.value.trim(),
        kind: kind.value,
        subjects: subjects.map((x) => ({ ...(x.id ? { id: x.id } : {}), name: x.name.trim(), kind: x.kind, title: x.title.trim() || null, isHead: x.isHead })),
        ...(slipsIssued ? {} : { formIds }),
      };
      if (!slipsIssued && categoriesChanged()) {
        const used = new Set(cats.map((c) => c.key).filter(Boolean));
        let n = 0;
        const freshKey = () => {
          while (used.has(`c${++n}`));
          used.add(`c${n}`);
          return `c${n}`;
        };
        body.categories = cats.map((c) => ({ key: c.key || freshKey(), label: c.label.trim(), weight: Number(c.weight) / 100 }));
      }
      if (staff.value !== '' && !staffField.hidden) body.staffCount = Number(staff.value);
      else if (m.staffCount !== null) body.staffCount = null;
      await api('PATCH', `/api/meetings/${m.id}`, body);
      toast('已保存会议修改');
      route();
    }),
  );

  const del = h('button', { type: 'button', class: 'danger', id: 'delete-meeting', text: '删除此会议' });
  const delBox = errorBox();
  del.addEventListener(
    'click',
    action(del, delBox, async () => {
      if (slipsIssued) return delBox.set('已经生成测评票的会议不能删除（已发出的票须有对应的会议）。');
      if (!confirm(`删除测评会议“${m.title}”？\n\n会议、测评对象和设置都会删除，不能恢复（审计日志会保留记录）。`)) return;
      const out = await api('DELETE', `/api/meetings/${m.id}`);
      toast(out.message);
      location.hash = '#/meetings';
    }),
  );
  const kindHelp = h('p', { class: 'rule', text: `规定：${kindOf(m.kind).minimumRule}` });
  kind.addEventListener('change', () => {
    kindHelp.textContent = `规定：${kindOf(kind.value).minimumRule}`;
    staffField.hidden = !kindOf(kind.value).needsStaffCount;
  });
  return h(
    'div',
    {},
    h('p', { class: 'help', text: '测评开始前可以修改会议的全部设置；开始后只能更正测评对象姓名或职务的错字（须写明理由）。' }),
    kindHelp,
    form,
    h(
      'fieldset',
      { class: 'sub', id: 'delete-box' },
      h('legend', { text: '删除会议' }),
      h('p', { class: 'help', text: slipsIssued ? '已经生成测评票，不能删除。' : '只有尚未开始、也没有生成过测评票的会议可以删除，删除后不能恢复。' }),
      h('div', { class: 'buttons' }, del),
      delBox,
    ),
  );
}

/** The subject list, each with 更正: a name or 职务 typo fixed in place; after the poll opened, with a reason. */
export function subjectsPanel(m) {
  const needsReason = m.status !== 'draft';
  // A draft is edited whole in “修改或删除会议”; the per-subject fix is for an opened poll.
  if (!needsReason) return h('ol', { class: 'subjects', id: 'subjects' }, m.subjects.map((x) => h('li', { 'data-subject': x.id, text: `${x.name}${x.title ? `（${x.title}）` : ''} · ${subjectKindLabel(x.kind)}${x.isHead ? ' · 主要负责人' : ''}` })));
  const list = h('ol', { class: 'subjects fixable', id: 'subjects' });
  for (const x of m.subjects) {
    const fix = h('button', { type: 'button', class: 'small secondary', text: '更正', 'aria-label': `更正 ${x.name} 的姓名或职务` });
    const li = h('li', { 'data-subject': x.id }, h('span', { text: `${x.name}${x.title ? `（${x.title}）` : ''} · ${subjectKindLabel(x.kind)}${x.isHead ? ' · 主要负责人' : ''} ` }), fix);
    fix.addEventListener('click', () => {
      if (li.querySelector('form')) return;
      const name = h('input', { value: x.name, maxlength: 50, class: 'fix-name' });
      const title = h('input', { value: x.title || '', maxlength: 50, class: 'fix-title' });
      const reason = h('input', { maxlength: 500, class: 'fix-reason' });
      const save = h('button', { type: 'submit', text: '保存更正' });
      const cancel = h('button', { type: 'button', class: 'secondary', text: '取消' });
      const box = errorBox();
      const form = h(
        'form',
        { class: 'inline' },
        field('姓名或名称', name),
        field('职务', title),
        needsReason ? field('更正理由（必填，记入审计日志）', reason) : null,
        save,
        cancel,
        box,
      );
      cancel.addEventListener('click', () => form.remove());
      form.addEventListener(
        'submit',
        action(save, box, async () => {
          if (!name.value.trim()) return box.set('姓名不能为空');
          if (needsReason && reason.value.trim().length < 2) return box.set('测评开始后更正测评对象须写明理由');
          await api('PATCH', `/api/meetings/${m.id}/subjects/${x.id}`, {
            name: name.value.trim(),
            title: title.value.trim() || null,
            ...(needsReason ? { reason: reason.value.trim() } : {}),
          });
          toast(`已更正：${name.value.trim()}`);
          route();
        }),
      );
      li.append(form);
      name.focus();
    });
    list.append(li);
  }
  return h(
    'div',
    {},
    needsReason ? h('p', { class: 'help', text: '测评已经开始：只能更正姓名或职务的错字（须写明理由），不会改变任何一张票的内容。' }) : null,
    list,
  );
}
