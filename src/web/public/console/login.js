// The log-in screen.
import { action, errorBox, field, h, show } from './dom.js';
import { login } from './session.js';
import { route } from './router.js';

export function viewLogin(message) {
  document.getElementById('top').hidden = true;
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 200 });
  const box = errorBox();
  const submit = h('button', { type: 'submit', text: '登录' });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'login-title' }, h('h1', { id: 'login-title', text: '民主测评管理 · 登录' }), message ? h('p', { class: 'notice', role: 'status', text: message }) : null, field('用户名', user), field('密码', pass), box, submit);
  form.addEventListener(
    'submit',
    action(submit, box, async () => {
      await login(user.value.trim(), pass.value);
      if (!location.hash || location.hash === '#/login') location.hash = '#/meetings';
      route();
    }),
  );
  show('登录', form);
  user.focus();
}
