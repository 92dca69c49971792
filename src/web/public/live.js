// Live progress (现场进度) and the projector page (投屏): one page and one module; the address picks the view.
// It uses the console's login (session.js, from sessionStorage) or asks for one, trades it for a one-minute ticket,
// and follows the server-sent events of /api/meetings/<id>/live. Every text goes in with textContent.
import { api, currentSession, login, whenSessionEnds } from './console/session.js';

// The same red codes as RED_FLAGS in src/domain/turnout.ts.
const RED = { BELOW_MINIMUM: true, BALLOTS_EXCEED_SIGNED_IN: true, BALLOTS_EXCEED_SLIPS: true };
// Shown by the stamp and the line under the count, so never a third time in the list of flags.
const SHOWN_ABOVE = { BELOW_MINIMUM: true, MINIMUM_UNKNOWN: true };
const STATUS = { draft: '未开始', open: '测评进行中', closed: '测评已结束' };
// /meetings/<id>/projector.html shows the projector view: its own stylesheet, data-view and title.
const view = /\/projector\.html$/.test(location.pathname) ? 'projector' : 'live';
if (view === 'projector') {
  document.body.setAttribute('data-view', 'projector');
  document.getElementById('stylesheet').setAttribute('href', '/assets/projector.css');
  document.title = '参评进度 · 投屏';
}
// The address is /meetings/<id>/live.html or /meetings/<id>/projector.html.
const match = /^\/meetings\/([A-Za-z0-9_-]{1,64})\//.exec(location.pathname);
const meetingId = match ? match[1] : null;
let source = null;
let retryMs = 2000;
let retryTimer = null;
let clockTimer = null;

function $(id) {
  return document.getElementById(id);
}
function text(id, value) {
  $(id).textContent = value === null || value === undefined ? '–' : String(value);
}
function show(id, on) {
  $(id).hidden = !on;
}
const two = (n) => ('0' + n).slice(-2);
function stampNow() {
  const now = new Date();
  text('updated', `更新于 ${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`);
}

whenSessionEnds(() => showLogin('登录已过期，请重新登录'));

function showLogin(message) {
  stop();
  show('loading', false);
  show('board', false);
  show('login', true);
  if (message) {
    text('login-error', message);
    show('login-error', true);
  }
  $('username').focus();
}

$('login').addEventListener('submit', function (ev) {
  ev.preventDefault();
  show('login-error', false);
  login($('username').value.trim(), $('password').value).then(
    function () {
      $('password').value = '';
      show('login', false);
      start();
    },
    function (err) {
      text('login-error', err.message);
      show('login-error', true);
    },
  );
});

function render(t) {
  text('status', STATUS[t.status] || t.status);
  $('status').className = 'status ' + t.status;
  stampNow();
  text('cast-label', t.coarsened ? '已投票（至少）' : '已投票');
  text('cast', t.ballotsCast);
  text('min', t.minRespondents === null ? '未定' : t.minRespondents);
  const progress = $('to-min');
  progress.max = t.minRespondents || Math.max(t.ballotsCast, 1);
  progress.value = Math.min(t.ballotsCast, progress.max);
  // Below the minimum is said once, by the stamp; this line says the rest (reached, or no minimum yet).
  if (t.minRespondents === null) text('meets', '尚未确定最低参评人数');
  else if (t.meetsMinimum) text('meets', '已达到最低参评人数');
  else if (t.voidStamp) $('meets').textContent = '';
  else text('meets', '尚未达到最低参评人数');
  $('meets').className = 'meets ' + (t.meetsMinimum ? 'ok' : 'short');
  text('signed-in', t.signedIn === null ? '未登记' : t.signedIn);
  text('vs-signed-in', t.signedIn === null ? '' : (t.coarsened ? '已投票至少 ' : '已投票 ') + t.ballotsCast + ' / 签到 ' + t.signedIn);
  // One exact boolean, never a count: the last person present has voted (see allSignedInVoted in the server).
  show('all-voted', Boolean(t.allSignedInVoted));
  text('slips-issued', t.slipsIssued);
  text('slips-used', t.coarsened ? '至少 ' + t.slipsUsed : t.slipsUsed);
  text('slips-voided', t.slipsVoided);
  text('interviews', (t.interviews === null ? '未登记' : t.interviews + ' 人') + (t.minInterviews === null ? '' : ' / 最低 ' + t.minInterviews));

  // The 无效 stamp: shouted once the poll is closed below its minimum, a warning while it is still open.
  const stamp = $('stamp');
  if (t.voidStamp) {
    stamp.className = 'stamp ' + (t.status === 'closed' ? 'final' : 'pending');
    text('stamp-label', t.status === 'closed' ? t.voidStamp.label : '未达最低人数');
    text('stamp-text', t.voidStamp.text);
    stamp.hidden = false;
  } else {
    stamp.hidden = true;
  }

  const list = $('flags');
  while (list.firstChild) list.removeChild(list.firstChild);
  t.flags.filter((f) => !SHOWN_ABOVE[f.code]).forEach(function (f) {
    const li = document.createElement('li');
    li.className = RED[f.code] ? 'red' : 'info';
    li.textContent = f.message;
    list.appendChild(li);
  });

  text(
    'note',
    t.coarsened
      ? '为保护投票人，测评进行中的投票人数以 5 票为单位、约每 10 秒更新一次（显示的是“至少”人数）；结束测评后显示准确人数。'
      : t.status === 'closed'
        ? '测评已结束，以上为准确人数。'
        : '',
  );
}

function stop() {
  if (source) source.close();
  source = null;
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  if (clockTimer) clearInterval(clockTimer);
  clockTimer = null;
}

function retry(message) {
  stop();
  text('conn', message);
  retryTimer = setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, 30000);
}

function connect() {
  stop();
  api('POST', '/api/meetings/' + meetingId + '/live-ticket').then(
    function (out) {
      source = new EventSource(out.streamUrl);
      source.addEventListener('open', function () {
        retryMs = 2000;
        text('conn', '实时连接正常');
        // The server sends figures only when they change: while the stream is open the board is current, so
        // the time moves with it (and stops, with a notice below, when the connection drops).
        if (clockTimer) clearInterval(clockTimer);
        clockTimer = setInterval(() => {
          if (source && source.readyState === EventSource.OPEN) stampNow();
        }, 5000);
      });
      source.addEventListener('turnout', function (ev) {
        render(JSON.parse(ev.data));
      });
      source.addEventListener('end', function (ev) {
        let reason = '';
        try {
          reason = JSON.parse(ev.data).reason;
        } catch (e) {
          /* keep '' */
        }
        // 'expired' is the routine end of a stream (a new ticket is fetched); the others wait a little.
        if (reason === 'expired') {
          retryMs = 500;
          retry('正在刷新连接……');
        } else retry('服务器已断开，正在重连……');
      });
      source.addEventListener('error', function () {
        retry('连接中断，正在重连……');
      });
    },
    function (err) {
      if (err.sessionEnded || err.status === 401) showLogin('登录已过期，请重新登录');
      else if (err.status === 404) fail('测评会议不存在，或您没有查看权限');
      else retry('无法连接服务器，正在重试……');
    },
  );
}

function fail(message) {
  stop();
  show('board', false);
  show('loading', true);
  text('loading', message);
}

function start() {
  if (!meetingId) return fail('地址中缺少测评会议编号');
  const session = currentSession();
  if (!session || !session.token) return showLogin('');
  api('GET', '/api/meetings/' + meetingId).then(
    function (m) {
      text('title', m.title);
      text('unit', m.unit + ' · ' + m.kindLabel);
      document.title = (view === 'projector' ? '投屏 · ' : '参评进度 · ') + m.title;
      $('projector-link').href = '/meetings/' + meetingId + '/projector.html';
      show('projector-link', view !== 'projector');
      show('loading', false);
      show('board', true);
      connect();
    },
    function (err) {
      if (err.sessionEnded || err.status === 401) showLogin('登录已过期，请重新登录');
      else fail(err.status === 404 ? '测评会议不存在，或您没有查看权限' : err.message);
    },
  );
}

start();
