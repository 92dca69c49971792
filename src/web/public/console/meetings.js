// The list of meetings, grouped by status, each with its turnout state.
import { fmt, h, show } from './dom.js';
import { statusLabel } from './meta.js';
import { navigation } from './router.js';
import { api } from './session.js';
import { turnoutState } from './turnout-state.js';

export async function viewMeetings() {
  const gen = navigation();
  const list = await api('GET', '/api/meetings');
  // The turnout of each meeting, read in parallel; a meeting whose figures cannot be read shows a dash.
  const turnouts = await Promise.all(list.map((m) => (m.turnout ? Promise.resolve(m.turnout) : api('GET', `/api/meetings/${m.id}/turnout`).catch(() => null))));
  const byId = new Map(list.map((m, i) => [m.id, turnouts[i]]));
  const groups = ['open', 'draft', 'closed'].map((st) => {
    const rows = list.filter((m) => m.status === st);
    return h(
      'section',
      { class: 'card', 'aria-labelledby': `g-${st}` },
      h('h2', { id: `g-${st}`, text: `${statusLabel(st)}（${rows.length}）` }),
      rows.length === 0
        ? h('p', { class: 'muted', text: '暂无' })
        : h(
            'table',
            { class: 'list' },
            h('thead', {}, h('tr', {}, ['会议', '单位', '类别', '最低人数', '参评情况', st === 'closed' ? '结束时间' : '创建时间'].map((t) => h('th', { scope: 'col', text: t })))),
            h(
              'tbody',
              {},
              rows.map((m) => {
                const state = turnoutState(m, byId.get(m.id));
                return h(
                  'tr',
                  { 'data-meeting': m.id },
                  h('td', {}, h('a', { href: `#/meetings/${m.id}`, text: m.title })),
                  h('td', { text: m.unit }),
                  h('td', { text: m.kindLabel }),
                  h('td', { class: 'num', text: fmt.int(m.minRespondents) }),
                  h('td', { class: `state ${state.tone}`, 'data-state': state.tone, text: state.text }),
                  h('td', { text: fmt.time(st === 'closed' ? m.closedAt : m.createdAt) }),
                );
              }),
            ),
          ),
    );
  });
  if (gen !== navigation()) return;
  show('测评会议', h('div', { class: 'head' }, h('h1', { text: '测评会议' }), h('a', { class: 'button', href: '#/meetings/new', text: '＋ 新建测评会议' })), groups);
}
