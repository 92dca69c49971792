// Users and their roles (admins only).
import { action, errorBox, field, h, show, toast } from './dom.js';
import { navigation, route } from './router.js';
import { api, currentSession } from './session.js';

export async function viewUsers() {
  const gen = navigation();
  if (currentSession().user.role !== 'admin') return gen !== navigation() ? undefined : show('用户与权限', h('h1', { text: '用户与权限' }), h('p', { text: '仅管理员可管理用户。' }));
  const users = await api('GET', '/api/users');
  const username = h('input', { id: 'new-username', maxlength: 64, pattern: '[A-Za-z0-9_.@\\-]+', autocomplete: 'off', required: true });
  const displayName = h('input', { id: 'new-display', maxlength: 64 });
  const password = h('input', { id: 'new-password', type: 'password', minlength: 12, maxlength: 200, autocomplete: 'new-password', required: true });
  const role = h('select', { id: 'new-role' }, h('option', { value: 'assessor', text: '考核组成员（只能看到分配给自己的会议）' }), h('option', { value: 'admin', text: '管理员（全部会议、用户与审计日志）' }));
  const b = h('button', { type: 'submit', text: '创建用户' });
  const box = errorBox();
  const form = h('form', { class: 'grid' }, field('用户名', username, '字母、数字及 _ . @ -'), field('姓名', displayName), field('初始密码', password, '至少 12 位'), field('角色', role), h('div', { class: 'buttons' }, b), box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      await api('POST', '/api/users', { username: username.value.trim(), password: password.value, role: role.value, ...(displayName.value.trim() ? { displayName: displayName.value.trim() } : {}) });
      toast(`已创建用户 ${username.value.trim()}`);
      route();
    }),
  );
  if (gen !== navigation()) return;
  show(
    '用户与权限',
    h('h1', { text: '用户与权限' }),
    h(
      'section',
      { class: 'card', 'aria-label': '用户列表' },
      h('h2', { text: `用户（${users.length}）` }),
      h(
        'table',
        { class: 'list' },
        h('thead', {}, h('tr', {}, ['用户名', '姓名', '角色', '状态'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, users.map((u) => h('tr', {}, h('td', { text: u.username }), h('td', { text: u.displayName }), h('td', { text: u.role === 'admin' ? '管理员' : '考核组成员' }), h('td', { text: u.disabled ? '已停用' : '正常' })))),
      ),
    ),
    h('section', { class: 'card', 'aria-label': '新建用户' }, h('h2', { text: '新建用户' }), form),
  );
}

