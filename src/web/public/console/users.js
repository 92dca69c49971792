// Users and their roles (admins only): create, rename, change the role, disable or enable, reset a password.
// And for everyone: change one's own password.
import { action, errorBox, field, h, show, toast } from './dom.js';
import { navigation, route } from './router.js';
import { api, currentSession, keepSession } from './session.js';

const roleLabel = (role) => (role === 'admin' ? '管理员' : '考核组成员');

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
  const form = h('form', { class: 'grid' }, field('用户名', username, '字母、数字及 _ . @ -'), field('姓名', displayName), field('初始密码', password, '至少 12 位，不能是常见密码'), field('角色', role), h('div', { class: 'buttons' }, b), box);
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      await api('POST', '/api/users', { username: username.value.trim(), password: password.value, role: role.value, ...(displayName.value.trim() ? { displayName: displayName.value.trim() } : {}) });
      toast(`已创建用户 ${username.value.trim()}`);
      route();
    }),
  );

  // One editor under the table at a time, for the user whose 管理 button was pressed.
  const editor = h('div', { id: 'user-editor' });
  const me = currentSession().user.id;
  const rows = users.map((u) => {
    const manage = h('button', { type: 'button', class: 'small secondary', id: `manage-${u.username}`, text: '管理' });
    manage.addEventListener('click', () => {
      editor.replaceChildren(userEditor(u, u.id === me));
      editor.querySelector('h2').focus();
    });
    return h(
      'tr',
      { 'data-user': u.username },
      h('td', { text: u.username }),
      h('td', { text: u.displayName || '—' }),
      h('td', { text: roleLabel(u.role) }),
      h('td', { class: u.disabled ? 'state warn' : 'state ok', text: u.disabled ? '已停用' : '正常' }),
      h('td', {}, manage),
    );
  });
  if (gen !== navigation()) return;
  show(
    '用户与权限',
    h('h1', { text: '用户与权限' }),
    h(
      'section',
      { class: 'card', 'aria-label': '用户列表' },
      h('h2', { text: `用户（${users.length}）` }),
      h('table', { class: 'list', id: 'users' }, h('thead', {}, h('tr', {}, ['用户名', '姓名', '角色', '状态', '操作'].map((t) => h('th', { scope: 'col', text: t })))), h('tbody', {}, rows)),
      editor,
    ),
    h('section', { class: 'card', 'aria-label': '新建用户' }, h('h2', { text: '新建用户' }), form),
  );
}

/** Rename, role, disable or enable, and a new password for one user. */
function userEditor(u, isMe) {
  const name = h('input', { id: 'edit-display', maxlength: 64, value: u.displayName });
  const role = h('select', { id: 'edit-role' }, ['assessor', 'admin'].map((r) => h('option', { value: r, text: roleLabel(r), selected: u.role === r })));
  const save = h('button', { type: 'submit', text: '保存姓名和角色' });
  const box = errorBox();
  const form = h('form', { class: 'inline' }, field('姓名', name), field('角色', role), save);
  form.addEventListener(
    'submit',
    action(save, box, async () => {
      const body = {};
      if (name.value.trim() !== u.displayName) body.displayName = name.value.trim();
      if (role.value !== u.role) body.role = role.value;
      if (!Object.keys(body).length) return box.set('姓名和角色都没有变化');
      await api('PATCH', `/api/users/${u.id}`, body);
      toast(`已保存用户 ${u.username}`);
      route();
    }),
  );

  const toggleBtn = h('button', { type: 'button', id: 'toggle-disabled', class: u.disabled ? 'secondary' : 'danger', text: u.disabled ? '启用此用户' : '停用此用户' });
  toggleBtn.addEventListener(
    'click',
    action(toggleBtn, box, async () => {
      if (!u.disabled && !confirm(`停用用户 ${u.username}？\n\n停用后该用户立即退出登录、不能再登录，直到重新启用。`)) return;
      await api('PATCH', `/api/users/${u.id}`, { disabled: !u.disabled });
      toast(u.disabled ? `已启用用户 ${u.username}` : `已停用用户 ${u.username}`);
      route();
    }),
  );

  const pw = h('input', { id: 'reset-password', type: 'password', minlength: 12, maxlength: 200, autocomplete: 'new-password' });
  const pw2 = h('input', { id: 'reset-password2', type: 'password', minlength: 12, maxlength: 200, autocomplete: 'new-password' });
  const reset = h('button', { type: 'submit', class: 'secondary', text: '重置密码' });
  const resetForm = h('form', { class: 'inline' }, field('新密码', pw, '至少 12 位，不能是常见密码'), field('再输一次', pw2), reset);
  resetForm.addEventListener(
    'submit',
    action(reset, box, async () => {
      if (pw.value.length < 12) return box.set('新密码至少 12 位');
      if (pw.value !== pw2.value) return box.set('两次输入的新密码不一致');
      await api('PUT', `/api/users/${u.id}/password`, { password: pw.value });
      pw.value = pw2.value = '';
      toast(`已重置 ${u.username} 的密码；该用户须用新密码重新登录`);
    }),
  );

  return h(
    'section',
    { class: 'card', 'aria-label': `管理用户 ${u.username}` },
    h('h2', { tabindex: '-1', text: `管理用户：${u.username}` }),
    isMe ? h('p', { class: 'help', text: '这是您自己的账号：修改自己的密码请用“修改我的密码”。' }) : null,
    form,
    isMe ? null : h('div', { class: 'buttons' }, toggleBtn),
    isMe ? null : resetForm,
    box,
  );
}

/** Everyone's own password: the current one, the new one twice. The server returns a fresh session. */
export async function viewPassword() {
  const current = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', maxlength: 200, required: true });
  const next = h('input', { id: 'new-password-own', type: 'password', autocomplete: 'new-password', minlength: 12, maxlength: 200, required: true });
  const again = h('input', { id: 'new-password-again', type: 'password', autocomplete: 'new-password', minlength: 12, maxlength: 200, required: true });
  const b = h('button', { type: 'submit', text: '修改密码' });
  const box = errorBox();
  const form = h(
    'form',
    { class: 'card narrow', 'aria-label': '修改我的密码' },
    field('当前密码', current),
    field('新密码', next, '至少 12 位，不能是常见密码'),
    field('再输一次新密码', again),
    box,
    h('div', { class: 'buttons' }, b),
  );
  form.addEventListener(
    'submit',
    action(b, box, async () => {
      if (next.value !== again.value) return box.set('两次输入的新密码不一致');
      keepSession(await api('PUT', '/api/auth/password', { currentPassword: current.value, newPassword: next.value }));
      current.value = next.value = again.value = '';
      toast('密码已修改；您在其他设备上的登录已退出');
    }),
  );
  show('修改我的密码', h('h1', { text: '修改我的密码' }), form);
}
