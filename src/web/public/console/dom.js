// The console's DOM helpers: every piece of data reaches the page through textContent or an attribute, never
// through innerHTML; nothing writes inline styles or handlers (the CSP allows scripts and styles from 'self' only).

const main = document.getElementById('main');

export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}
function setAttrs(e, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = String(v);
    else if (k === 'class') e.setAttribute('class', v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else if (k === 'checked' || k === 'selected') e[k] = Boolean(v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
}
function append(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
}
const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...children) {
  const e = document.createElementNS(SVG_NS, tag);
  setAttrs(e, attrs);
  append(e, children);
  return e;
}


export function show(title, ...nodes) {
  document.title = `${title} · 民主测评管理`;
  main.replaceChildren(...nodes.flat().filter(Boolean));
  const h1 = main.querySelector('h1');
  if (h1) {
    h1.setAttribute('tabindex', '-1');
    h1.focus({ preventScroll: true });
  }
}

export function toast(text, kind = 'ok') {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 5000);
}

/** An error box (role=alert) whose text a failed action replaces. */
export function errorBox() {
  const box = h('div', { class: 'error', role: 'alert', hidden: true });
  box.set = (err) => {
    box.replaceChildren();
    if (!err) return void (box.hidden = true);
    const msg = typeof err === 'string' ? err : err.message;
    box.append(h('p', { text: msg }));
    if (err.details && Array.isArray(err.details) && err.details.length > 1) {
      box.append(h('ul', {}, err.details.map((d) => h('li', { text: typeof d === 'string' ? d : d.message || JSON.stringify(d) }))));
    }
    box.hidden = false;
  };
  return box;
}

/** Runs an async action from a button: disables it meanwhile, shows a failure in `box` (or a toast). */
export function action(button, box, fn) {
  return async (ev) => {
    if (ev) ev.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    box?.set(null);
    try {
      await fn();
    } catch (err) {
      if (err.sessionEnded) return;
      if (box) box.set(err);
      else toast(err.message, 'bad');
    } finally {
      button.disabled = false;
    }
  };
}

export function field(label, control, help) {
  const id = control.id || `f${++field.n}`;
  control.id = id;
  const helpId = help ? `${id}-help` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control, help ? h('p', { class: 'help', id: helpId, text: help }) : null);
}
field.n = 0;

export const fmt = {
  int: (n) => (n === null || n === undefined ? '—' : String(n)),
  pct: (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`),
  num: (x) => (x === null || x === undefined ? '—' : (Math.round(x * 100) / 100).toFixed(2)),
  time: (iso) => (iso ? new Date(iso).toLocaleString('zh-CN', { hour12: false }) : '—'),
};


export function checkbox(label, checked, onchange, id) {
  const input = h('input', { type: 'checkbox', checked, id: id ? `cb-${id}` : null, value: id || null });
  input.addEventListener('change', () => onchange(input.checked));
  return h('label', { class: 'check' }, input, ' ', label);
}
export function toggle(list, value, on) {
  const i = list.indexOf(value);
  if (on && i < 0) list.push(value);
  if (!on && i >= 0) list.splice(i, 1);
}


export function flagsList(flags) {
  if (!flags || !flags.length) return null;
  return h('ul', { class: 'flags' }, flags.map((f) => h('li', { 'data-code': f.code, text: f.message })));
}

