// Hash routes (#/meetings, #/meetings/<id>, …) to screens; one screen at a time. A screen that finishes loading
// after the user moved on must not draw: each navigation bumps a generation that screens compare before drawing.
import { h, show } from './dom.js';
import { clearSession, currentSession, logoutServer, whenSessionEnds } from './session.js';
import { forgetMeta, loadMeta, metaLoaded } from './meta.js';
import { viewLogin } from './login.js';
import { viewMeetings } from './meetings.js';
import { viewNewMeeting } from './new-meeting.js';
import { viewMeeting } from './meeting.js';
import { viewPaperKeyIn } from './paper-key-in.js';
import { viewResults } from './results.js';
import { viewRanking, viewRounds } from './rounds.js';
import { viewRoundUnit } from './round-unit.js';
import { viewPassword, viewUsers } from './users.js';
import { viewAudit } from './audit.js';

const routes = [
  [/^#\/meetings$/, viewMeetings],
  [/^#\/meetings\/new$/, viewNewMeeting],
  [/^#\/meetings\/([A-Za-z0-9_-]+)$/, viewMeeting],
  [/^#\/meetings\/([A-Za-z0-9_-]+)\/results$/, viewResults],
  [/^#\/meetings\/([A-Za-z0-9_-]+)\/paper$/, viewPaperKeyIn],
  [/^#\/rounds$/, viewRounds],
  [/^#\/rounds\/([A-Za-z0-9_-]+)$/, viewRanking],
  [/^#\/rounds\/([A-Za-z0-9_-]+)\/units\/([A-Za-z0-9_-]+)$/, viewRoundUnit],
  [/^#\/users$/, viewUsers],
  [/^#\/password$/, viewPassword],
  [/^#\/audit$/, viewAudit],
];

let timers = [];
let generation = 0;

/** The current navigation; a screen compares it with the one it started under before it draws. */
export const navigation = () => generation;

/** Repeats fn every ms while the current screen is shown. */
export function every(ms, fn) {
  timers.push(setInterval(fn, ms));
}

function stopTimers() {
  for (const t of timers) clearInterval(t);
  timers = [];
}

export function logout(message) {
  // Stop the polling of the page left behind, or its next 401 would redraw the log-in form under the user.
  stopTimers();
  clearSession();
  forgetMeta();
  viewLogin(message);
}
whenSessionEnds(logout);

/** The 退出登录 button: the server ends the session first, then the page forgets it. */
export async function logoutNow() {
  await logoutServer();
  logout('已退出登录');
}

function failed(err) {
  if (err.sessionEnded) return;
  show('出错了', h('h1', { text: '出错了' }), h('p', { class: 'error', role: 'alert', text: err.message }), h('p', {}, h('a', { href: '#/meetings', text: '返回测评会议列表' })));
}

export function route() {
  generation += 1;
  stopTimers();
  const session = currentSession();
  if (!session) return viewLogin();
  if (!metaLoaded()) {
    const gen = generation;
    return loadMeta().then(() => gen === generation && route(), failed);
  }
  renderNav(session);
  const hash = location.hash || '#/meetings';
  for (const [re, view] of routes) {
    const m = re.exec(hash);
    if (m) return view(...m.slice(1)).catch(failed);
  }
  location.hash = '#/meetings';
}

function renderNav(session) {
  document.getElementById('top').hidden = false;
  const items = [
    ['#/meetings', '测评会议'],
    ['#/meetings/new', '新建会议'],
  ];
  // Rounds are admin-only on the server: an assessor would only be refused there.
  if (session.user.role === 'admin') items.push(['#/rounds', '考核排名'], ['#/users', '用户与权限'], ['#/audit', '审计日志']);
  items.push(['#/password', '修改我的密码']);
  const here = location.hash || '#/meetings';
  document.getElementById('nav').replaceChildren(
    ...items.map(([href, text]) => h('a', { href, text, 'aria-current': here === href || (href === '#/meetings' && /^#\/meetings\/(?!new)/.test(here)) ? 'page' : null })),
  );
  document.getElementById('who').textContent = `${session.user.displayName || session.user.username}（${session.user.role === 'admin' ? '管理员' : '考核组'}）`;
}
