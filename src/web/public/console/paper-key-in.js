// Keying in collected paper ballots: the code, then the answers as written; number keys pick a grade and move on.
import { action, errorBox, field, h, show } from './dom.js';
import { statusLabel } from './meta.js';
import { navigation } from './router.js';
import { api } from './session.js';

export async function viewPaperKeyIn(id) {
  const gen = navigation();
  const [m, ballot] = await Promise.all([api('GET', `/api/meetings/${id}`), api('GET', `/api/meetings/${id}/paper-ballots/form`)]);
  let keyed = 0;
  const code = h('input', { id: 'paper-code', maxlength: 64, autocomplete: 'off', spellcheck: 'false', placeholder: 'XXXX-XXXX-XXXX', class: 'mono' });
  const box = errorBox();
  const done = h('p', { class: 'ok', role: 'status', 'aria-live': 'polite' });
  const questions = h('div', { class: 'paper-form' });
  const submit = h('button', { type: 'submit', id: 'paper-submit', text: '录入并计入' });
  // The outcome of the last sheet sits right under the code field, where focus returns after each sheet; a
  // refusal replaces it, so a green "counted" never stands beside a red "already keyed in".
  const form = h('form', { class: 'card' }, field('票码（纸质票右上角）', code, '字母不区分大小写；O 与 0、I/L 与 1 可混用'), done, box, h('p', { class: 'help', text: '按纸面原样录入，未填写的项留空。在等次选项上按数字键 1、2、3…可直接选择并跳到下一项。' }), questions, h('div', { class: 'buttons' }, submit));

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
    done.textContent = '';
    if (!code.value.trim()) {
      code.focus();
      return box.set('请填写纸质票上的票码');
    }
    let out;
    try {
      out = await api('POST', `/api/meetings/${id}/paper-ballots`, { code: code.value.trim(), answers: collect() });
    } catch (err) {
      if (err.sessionEnded) return;
      // Shown under the code field: bring it into view (the button pressed is at the bottom of a long form).
      box.set(err);
      box.scrollIntoView({ block: 'center' });
      if (/TOKEN|CODE|SLIP/.test(err.code || '')) code.select();
      return;
    }
    keyed += 1;
    done.textContent = `第 ${keyed} 张（${code.value.trim().toUpperCase()}）：${out.message}`;
    code.value = '';
    build();
    code.focus();
  }));

  if (gen !== navigation()) return;
  show(
    `录入纸质票 · ${m.title}`,
    h('div', { class: 'head' }, h('h1', { text: `录入纸质票 · ${m.title}` }), h('a', { class: 'button secondary', href: `#/meetings/${id}`, text: '返回会议' })),
    h('p', { class: 'meta', text: `${m.unit} · ${statusLabel(m.status)}。每张纸质票只能录入一次；录入后与手机投票一样匿名计入。` }),
    form,
  );
  code.focus();
}

