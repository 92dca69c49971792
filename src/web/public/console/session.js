// The signed-in session and the API client, shared by the console and the live and projector pages: one login
// (kept in sessionStorage, so a tab opened from the console starts signed in), one way to call the API and to
// read its errors ({error: {code, message, details}}).

export const SESSION_KEY = 'ceping.session';

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    return null;
  }
}

let session = readSession();
let onSessionEnd = () => {};

/** The session in force, or null. */
export const currentSession = () => session;

export function saveSession(s) {
  session = s;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function clearSession() {
  session = null;
  sessionStorage.removeItem(SESSION_KEY);
}

/** What to do when the server answers 401 to a signed-in call (the page shows its log-in form). */
export function whenSessionEnds(fn) {
  onSessionEnd = fn;
}

/** Keeps a session the server handed out (login, renew, own password change), with the moment it ends. */
export function keepSession(out) {
  const old = session && session.token;
  saveSession({ token: out.token, user: out.user, expiresAt: Date.now() + out.expiresInMinutes * 60_000, minutes: out.expiresInMinutes });
  // A renewal ends the old token, which the live and projector tabs opened from this one still hold (each tab has
  // its own copy of sessionStorage): hand them the new one. Only a tab holding the very token that ended takes it.
  if (old && old !== out.token && channel) channel.postMessage({ old, session });
}

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('ceping.session') : null;
if (channel) {
  channel.onmessage = (ev) => {
    const d = ev.data || {};
    if (session && d.old === session.token && d.session && typeof d.session.token === 'string') saveSession(d.session);
  };
}

/** Logs in and keeps the session; throws an ApiError with the server's message when refused. */
export async function login(username, password) {
  const out = await api('POST', '/api/auth/login', { username, password });
  keepSession(out);
  return out;
}

/** Ends the session on the server too (a token copied elsewhere stops working); the page forgets it either way. */
export async function logoutServer() {
  if (!session) return;
  try {
    await api('POST', '/api/auth/logout');
  } catch {
    /* already ended, or offline: the page forgets it all the same */
  }
}

// A session renews while it is in use: when its end is near (five minutes, or a third of a short session) and the
// user typed or clicked since the last renewal, the console trades the token for a fresh one. A console left alone
// lets it run out, as a fixed clock would; only the user's own actions count, not the turnout polling.
let lastActive = Date.now();
let lastRenewed = Date.now();
export function renewWhileActive() {
  const renew = () => renewIfDue().catch(() => {});
  const active = () => {
    lastActive = Date.now();
    void renew();
  };
  for (const ev of ['pointerdown', 'keydown']) document.addEventListener(ev, active, { capture: true, passive: true });
  setInterval(renew, 20_000);
}
export async function renewIfDue(now = Date.now()) {
  if (!session || !session.expiresAt) return false;
  const lead = Math.min(5 * 60_000, ((session.minutes || 60) * 60_000) / 3);
  if (session.expiresAt - now > lead || lastActive <= lastRenewed) return false;
  if (renewing) return false; // one at a time: the renewal ends the token a second call would carry
  lastRenewed = now;
  renewing = api('POST', '/api/auth/renew');
  try {
    keepSession(await renewing);
  } finally {
    renewing = null;
  }
  return true;
}
let renewing = null;

export async function api(method, url, body, { accept = 'application/json', raw = false } = {}) {
  const headers = { accept };
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'NETWORK', '网络连接失败，请检查网络后重试');
  }
  if (res.status === 401 && url !== '/api/auth/login') {
    clearSession();
    onSessionEnd('登录已过期或未登录，请重新登录');
    const ended = new ApiError(401, 'UNAUTHORIZED', '请重新登录');
    ended.sessionEnded = true; // the log-in form is already showing: nothing else to report
    throw ended;
  }
  if (raw && res.ok) return res;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = data && data.error;
    throw new ApiError(res.status, e ? e.code : `HTTP_${res.status}`, e ? e.message : `请求失败（${res.status}）`, e ? e.details : undefined);
  }
  return data;
}

/** Fetches with the session and saves the response as a file (downloads need the Authorization header). */
export async function download(method, url, fallbackName, { body, accept = '*/*' } = {}) {
  const res = await api(method, url, body, { accept, raw: true });
  const blob = await res.blob();
  const cd = res.headers.get('content-disposition') || '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : fallbackName;
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return { name, type: res.headers.get('content-type') || '', size: blob.size };
}
