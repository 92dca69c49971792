// Short-lived signed tickets for the live event stream. EventSource cannot send an Authorization header, so
// the page trades its bearer token for a ticket (POST /api/meetings/:id/live-ticket) and puts the ticket in the
// stream's query string. A ticket names one meeting and one user, lives one minute, and is never logged: the
// request log records the route pattern, and redactUrl drops every query string.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LIMITS } from '../config.js';

export const TICKET_TTL_MS = LIMITS.live.ticketTtlMs;
export const TICKET_PATTERN = '^[A-Za-z0-9_-]{10,400}\\.[A-Za-z0-9_-]{43}$';

interface TicketPayload {
  /** meeting id */
  m: string;
  /** user id */
  u: string;
  /** expiry, ms since the epoch */
  e: number;
}

const mac = (secret: string, body: string) => createHmac('sha256', secret).update(`live-ticket:${body}`).digest('base64url');

export function signTicket(secret: string, meetingId: string, userId: string, now = Date.now(), ttlMs = TICKET_TTL_MS): { ticket: string; expiresAt: number } {
  const expiresAt = now + ttlMs;
  const body = Buffer.from(JSON.stringify({ m: meetingId, u: userId, e: expiresAt } satisfies TicketPayload)).toString('base64url');
  return { ticket: `${body}.${mac(secret, body)}`, expiresAt };
}

/** The user id of a valid, unexpired ticket for this meeting, or null. */
export function verifyTicket(secret: string, ticket: string, meetingId: string, now = Date.now()): string | null {
  const dot = ticket.indexOf('.');
  if (dot < 0) return null;
  const body = ticket.slice(0, dot);
  const given = Buffer.from(ticket.slice(dot + 1));
  const expected = Buffer.from(mac(secret, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let p: TicketPayload;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TicketPayload;
  } catch {
    return null;
  }
  if (p.m !== meetingId || typeof p.u !== 'string' || typeof p.e !== 'number' || p.e <= now) return null;
  return p.u;
}
