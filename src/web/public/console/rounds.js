// Assessment rounds (考核排名): the list, and one round's ranking per domain with the quota arithmetic.
import { action, errorBox, field, flagsList, fmt, h, show, toast } from './dom.js';
import { navigation, route } from './router.js';
import { api, download } from './session.js';

/** A seed by its number ("001"), never by its file name. */
export const seedNumber = (seed) => (/^(\d{3})_/.exec(seed || '') || [null, seed])[1];

export async function viewRounds() {
  const gen = navigation();
  const [rounds, schemes] = await Promise.all([api('GET', '/api/rounds'), api('GET', '/api/schemes')]);
  const schemeTitle = (id) => (schemes.find((x) => x.id === id) || { title: '（方案已不在目录中）' }).title;
  const title = h('input', { id: 'round-title', maxlength: 200, required: true, placeholder: '如：2026年度党建工作成效考核' });
  const scheme = h('select', { id: 'round-scheme' }, schemes.map((x) => h('option', { value: x.id, text: `${x.title}（${seedNumber(x.seed)}）` })));
  const b = h('button', { type: 'submit', id: 'round-create', text: '创建考核轮次' });
  const box = errorBox();
  const form = h('form', { class: 'grid' }, field('考核轮次名称', title), field('考核方案', scheme, '方案决定各领域的计分项目、权重和等次比例'), h('div', { class: 'buttons' }, b), box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      if (title.value.trim().length < 2) return box.set('请填写考核轮次名称（至少 2 个字）');
      const r = await api('POST', '/api/rounds', { title: title.value.trim(), schemeId: scheme.value });
      toast(`已创建：${r.title}`);
      location.hash = `#/rounds/${r.id}`;
    }),
  );
  if (gen !== navigation()) return;
  show(
    '考核排名',
    h('h1', { text: '考核排名' }),
    h('p', { class: 'help', text: '按考核方案（001、002、004）汇总各单位得分、排名和建议等次。在考核轮次中添加单位，录入得分、扣分和考核情况，关联测评会议，最后确定等次。' }),
    h(
      'section',
      { class: 'card', 'aria-label': '考核轮次' },
      h('h2', { text: '考核轮次' }),
      rounds.length === 0
        ? h('p', { class: 'muted', text: '还没有考核轮次。' })
        : h(
            'table',
            { class: 'list' },
            h('thead', {}, h('tr', {}, ['考核轮次', '方案', '创建人', '创建时间'].map((t) => h('th', { scope: 'col', text: t })))),
            h('tbody', {}, rounds.map((r) => h('tr', {}, h('td', {}, h('a', { href: `#/rounds/${r.id}`, text: r.title })), h('td', { text: schemeTitle(r.schemeId) }), h('td', { text: r.createdBy }), h('td', { text: fmt.time(r.createdAt) })))),
          ),
    ),
    h('section', { class: 'card', 'aria-label': '新建考核轮次' }, h('h2', { text: '新建考核轮次' }), form),
  );
}

const rulesText = (sug) => sug.rules.map((r) => `${r.text}（${seedNumber(r.seed)}）`).join('；');
/** The linked 党建工作成效考核 grade of a cadre unit (001 第十七条), for the cadres' caption. */
const partyBuildingText = (pb) =>
  pb === undefined ? '' : pb === null ? '；未关联党建工作成效考核结果' : `；党建工作成效考核：${pb.grade || '尚无等次'}${pb.source === 'final' ? '（已确定）' : pb.source === 'suggested' ? '（建议）' : ''}`;

export async function viewRanking(id) {
  const gen = navigation();
  const [r, round] = await Promise.all([api('GET', `/api/rounds/${id}/ranking`), api('GET', `/api/rounds/${id}`)]);
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
      d.quotas.length ? h('ul', { class: 'quotas' }, d.quotas.map((q) => h('li', { text: `${q.grade}：${q.arithmetic}。${q.rule.text}（${seedNumber(q.rule.seed)}）${q.tieAtBoundary ? ' · 临界同分，须集体研究' : ''}` }))) : null,
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
                        h('caption', { text: `班子成员（班子等次：${u.cadres.teamGrade || '—'}；${u.cadres.quota.arithmetic}${partyBuildingText(u.cadres.partyBuilding)}）` }),
                        h('thead', {}, h('tr', {}, ['姓名', '职务', '测评得分', '建议等次', '依据', '提示', '确定等次', ''].map((t) => h('th', { scope: 'col', text: t })))),
                        h(
                          'tbody',
                          {},
                          u.cadres.cadres.map((c) =>
                            h(
                              'tr',
                              { 'data-cadre': c.name },
                              h('th', { scope: 'row', text: c.name }),
                              h('td', { text: `${c.title || ''}${c.isHead ? '（主要负责人）' : ''}${c.inBase ? '' : '（不计算考核基数）'}` }),
                              h('td', { class: 'num', text: fmt.num(c.score) }),
                              h('td', { text: c.suggestion.grade || '—' }),
                              h('td', { class: 'small', text: rulesText(c.suggestion) }),
                              h('td', { class: 'small', text: c.suggestion.flags.map((f) => f.message).join('；') }),
                              h('td', { text: decided(c.decision) }),
                              h('td', {}, gradeForm(d, 'cadre', c)),
                            ),
                          ),
                        ),
                      )
                    : null,
                  u.cadres ? flagsList(u.cadres.flags) : null,
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
    h('p', { class: 'meta', text: `${r.schemeTitle}（${seedNumber(r.seed)}）。建议等次只是依据规则的计算结果，最终等次由集体研究确定。` }),
    box,
    unitsCard(round),
    domains,
    empty.length ? h('p', { class: 'muted', text: `暂无参加考核单位的领域：${empty.join('、')}` }) : null,
  );
}


/** The round's units, what is entered for each, a link to enter more, and the form that adds units. */
function unitsCard(round) {
  const domainLabel = (key) => (round.scheme.domains.find((d) => d.key === key) || { label: key }).label;
  const domain = h('select', { id: 'units-domain' }, round.scheme.domains.map((d) => h('option', { value: d.key, text: d.label })));
  const names = h('textarea', { id: 'units-names', rows: 3, maxlength: 20000, placeholder: '每行一个单位，如：\n市财政局\n市教育局' });
  const b = h('button', { type: 'submit', id: 'units-add', text: '添加单位' });
  const box = errorBox();
  const form = h('form', { class: 'grid' }, field('领域', domain), field('单位名称（每行一个，可从 Excel 粘贴）', names), h('div', { class: 'buttons' }, b), box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      const list = names.value.split(/\r?\n/).map((x) => x.split('\t')[0].trim()).filter(Boolean);
      if (!list.length) return box.set('请填写至少一个单位名称');
      await api('POST', `/api/rounds/${round.id}/units`, { units: list.map((name) => ({ domain: domain.value, name })) });
      toast(`已添加 ${list.length} 个单位`);
      route();
    }),
  );
  const specsOf = (key) => (round.scheme.domains.find((d) => d.key === key) || { inputs: [], ballotComponents: [] });
  const summary = (u) => {
    const d = specsOf(u.domain);
    const parts = [`得分 ${u.inputs.length}/${d.inputs.length} 项`];
    if (d.ballotComponents.length) parts.push(`关联会议 ${u.links.length}/${d.ballotComponents.length}`);
    if (round.scheme.indicators.length) parts.push(`扣分 ${u.deductions.length} 条`, u.facts && u.facts.note ? '考核情况已录入' : '考核情况未录入');
    if (round.scheme.cadres) parts.push(`班子成员 ${u.cadres.length} 人`);
    return parts.join(' · ');
  };
  return h(
    'section',
    { class: 'card', 'aria-label': '参加考核单位' },
    h('h2', { text: `参加考核单位（${round.units.length}）` }),
    round.units.length
      ? h(
          'table',
          { class: 'list', id: 'round-units' },
          h('thead', {}, h('tr', {}, ['单位', '领域', '已录入', ''].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, round.units.map((u) => h('tr', { 'data-round-unit': u.name }, h('th', { scope: 'row', text: u.name }), h('td', { text: domainLabel(u.domain) }), h('td', { class: 'small', text: summary(u) }), h('td', {}, h('a', { class: 'button small', href: `#/rounds/${round.id}/units/${u.id}`, text: '录入', 'aria-label': `录入 ${u.name}` }))))),
        )
      : h('p', { class: 'muted', text: '还没有参加考核的单位：在下面添加。' }),
    h('details', { class: 'import', open: round.units.length === 0 }, h('summary', { text: '添加单位' }), form),
  );
}
