// A closed meeting's results: the counts, the 无效 stamp, one stacked-bar chart per graded item, the exports.
import { action, errorBox, flagsList, fmt, h, s, show, toast } from './dom.js';
import { statusLabel } from './meta.js';
import { navigation } from './router.js';
import { api, download } from './session.js';

const GRADE_COLOURS = ['#2e7d32', '#7cb342', '#f9a825', '#e65100', '#c62828', '#6d4c41'];

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

export async function viewResults(id) {
  const gen = navigation();
  const m = await api('GET', `/api/meetings/${id}`);
  const holder = h('div', { id: 'results' });
  const refresh = async () => {
    try {
      const r = await api('GET', `/api/meetings/${id}/results`);
      const templates = await Promise.all(r.forms.map((f) => formTemplate(f.formId)));
      holder.replaceChildren(resultsView(r, templates, m));
    } catch (err) {
      // The server withholds the tally while the poll is open, and after a reopen until five late ballots have
      // gathered: comparing two looks would reveal the ballots cast in between. Say so plainly instead of failing.
      if (err.code !== 'MEETING_OPEN' && err.code !== 'PUBLICATION_WITHHELD') throw err;
      const progress = err.code === 'MEETING_OPEN' ? '（按 5 人取整）。' : '。';
      holder.replaceChildren(h('p', { class: 'notice', id: 'results-withheld', text: err.message }), h('p', {}, '投票进度见', h('a', { href: `#/meetings/${id}`, text: '会议页面' }), progress));
    }
  };
  await refresh();
  const again = h('button', { type: 'button', class: 'secondary', text: '刷新' });
  again.addEventListener('click', action(again, null, refresh));
  if (gen !== navigation()) return;
  show(
    `测评结果 · ${m.title}`,
    h('div', { class: 'head' }, h('h1', { text: `测评结果 · ${m.title}` }), h('div', { class: 'buttons' }, again, h('a', { class: 'button secondary', href: `#/meetings/${id}`, text: '返回会议' }))),
    h('p', { class: 'meta' }, `${m.unit} · ${m.kindLabel} · `, h('span', { class: `badge ${m.status}`, text: statusLabel(m.status) })),
    holder,
    m.status === 'open' ? null : h('section', { class: 'card', 'aria-label': '导出' }, h('h2', { text: '导出' }), exportsPanel(m)),
  );
}

function resultsView(r, templates, m) {
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
        const row = { name: wholeRowName(tpl, m), counts: q.counts, answered: q.answered, meanPoints: q.meanPoints ?? null, weightedMeanPoints: q.weightedMeanPoints ?? null, flags: [] };
        sec.append(distributionChart({ ...q, subjects: [row] }, scale.length ? scale : Object.keys(q.counts).map((v) => ({ value: v, label: v }))));
        if (q.writeIns && Object.keys(q.writeIns).length) sec.append(h('p', { class: 'help', text: `另行推荐：${Object.entries(q.writeIns).map(([n, c]) => `${n} ${c} 票`).join('、')}` }));
      } else sec.append(h('p', { class: 'muted', text: '文字意见不在此汇总（见导出文件）。' }));
    }
    out.push(sec);
  });
  return h('div', {}, out);
}

/**
 * The row of a question asked once per ballot, not per subject. A report on the secretary's work (党组织书记述党建
 * 工作) names the secretary: the meeting's person whose 职务 is 书记 (not 副书记), the head first.
 */
function wholeRowName(tpl, m) {
  if (tpl && /secretary/.test(tpl.id)) {
    const people = m.subjects.filter((x) => x.kind === 'person' && /(^|[^副])书记/.test(x.title || ''));
    const who = people.find((x) => x.isHead) || people[0];
    if (who) return who.name;
    return '党组织书记';
  }
  return '全体参评人员';
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
    ['results.xlsx', '统计表与明细（Excel）'],
    ['results.pdf', '统计表与结果报告（PDF）'],
    ['statistics.csv', '统计表（CSV）'],
    ['results.csv', '计票明细（CSV）'],
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

