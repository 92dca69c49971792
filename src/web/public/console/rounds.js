// Assessment rounds (考核排名): the list, and one round's ranking per domain with the quota arithmetic.
import { action, errorBox, flagsList, fmt, h, show, toast } from './dom.js';
import { navigation, route } from './router.js';
import { api, download } from './session.js';

export async function viewRounds() {
  const gen = navigation();
  const rounds = await api('GET', '/api/rounds');
  if (gen !== navigation()) return;
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

export async function viewRanking(id) {
  const gen = navigation();
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
  if (gen !== navigation()) return;
  show(
    r.title,
    h('div', { class: 'head' }, h('h1', { text: r.title }), h('div', { class: 'buttons' }, downloads)),
    h('p', { class: 'meta', text: `${r.schemeTitle}（${r.seed}）。建议等次只是依据规则的计算结果，最终等次由集体研究确定。` }),
    box,
    domains,
    empty.length ? h('p', { class: 'muted', text: `暂无参加考核单位的领域：${empty.join('、')}` }) : null,
  );
}

