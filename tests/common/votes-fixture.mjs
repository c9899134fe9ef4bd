// Fixtures of the vote tests and the vote benchmark: bodies with many members made directly in
// the database (sign-in's Argon2id would dominate making hundreds of them), sessions inserted
// with their token's SHA-256 as the server stores them, check-ins, and clients that carry a
// session (HTTP with its anti-forgery token, and the live WebSocket).
import crypto from 'node:crypto';
import { Client, openSocket } from './harness.mjs';

const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

export function sql1(pg, db, text) {
  return pg.psql(db.name, text).trim();
}

export function userId(pg, db, username) {
  return Number(sql1(pg, db, `SELECT id FROM users WHERE username = ${q(username)}`));
}

// A session for user id, inserted directly: { token, csrf }.
export function makeSessions(pg, db, ids) {
  const out = [];
  const values = [];
  for (const id of ids) {
    const token = crypto.randomBytes(32).toString('base64url');
    const csrf = crypto.randomBytes(16).toString('hex');
    const hash = crypto.createHash('sha256').update(token).digest('hex');
    values.push(`('\\x${hash}', ${id}, '${csrf}', now() + interval '1 day')`);
    out.push({ id, token, csrf });
  }
  for (let i = 0; i < values.length; i += 500) {
    pg.psql(db.name, `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ${values.slice(i, i + 500).join(',')}`);
  }
  return out;
}

// An HTTP client signed in with a session made by makeSessions.
export function sessionClient(server, session) {
  const c = new Client(server.url);
  c.cookies.set('phonghop_session', session.token);
  c.csrf = session.csrf;
  c.userId = session.id;
  return c;
}

// A live WebSocket of a session, past its welcome.
export async function sessionSocket(server, session) {
  const url = server.url.replace(/^http/, 'ws') + '/ws';
  const ws = await openSocket(url, { headers: { cookie: `phonghop_session=${session.token}` } });
  await ws.next((m) => m.type === 'welcome');
  return ws;
}

// A body of n members (usernames PREFIX0001...), a chair among them (the first), a secretary
// and a guest, and an open meeting of it. Every user shares the demo password hash.
export function makeBody(pg, db, { name, prefix, members, kind = 'council', level = 'province', isPublic = true }) {
  const hash = sql1(pg, db, `SELECT password_hash FROM users WHERE username = 'chutich'`);
  const body = Number(sql1(pg, db, `INSERT INTO bodies (name, kind, level) VALUES (${q(name)}, '${kind}', '${level}') RETURNING id`).split('\n')[0]);
  pg.psql(db.name, `INSERT INTO users (username, full_name, title, password_hash)
    SELECT '${prefix}' || lpad(i::text, 4, '0'), 'Đại biểu ' || i, '', ${q(hash)} FROM generate_series(1, ${members}) i;
    INSERT INTO users (username, full_name, password_hash) VALUES ('${prefix}-thuky', 'Thư ký ${prefix}', ${q(hash)}),
      ('${prefix}-khach', 'Khách mời ${prefix}', ${q(hash)});
    INSERT INTO memberships (body_id, user_id, role)
      SELECT ${body}, id, 'member' FROM users WHERE username ~ '^${prefix}[0-9]{4}$';
    INSERT INTO memberships (body_id, user_id, role)
      SELECT ${body}, id, 'chair' FROM users WHERE username = '${prefix}0001';
    INSERT INTO memberships (body_id, user_id, role)
      SELECT ${body}, id, 'secretariat' FROM users WHERE username = '${prefix}-thuky';
    INSERT INTO memberships (body_id, user_id, role)
      SELECT ${body}, id, 'guest' FROM users WHERE username = '${prefix}-khach';`);
  const meeting = Number(sql1(pg, db, `INSERT INTO meetings (body_id, title, kind, status, is_public)
    VALUES (${body}, ${q(name + ' - phiên họp')}, 'regular', 'open', ${isPublic}) RETURNING id`).split('\n')[0]);
  const memberIds = sql1(pg, db, `SELECT id FROM users WHERE username ~ '^${prefix}[0-9]{4}$' ORDER BY username`).split('\n').map(Number);
  return {
    body,
    meeting,
    memberIds,
    chairId: memberIds[0],
    secretaryId: userId(pg, db, `${prefix}-thuky`),
    guestId: userId(pg, db, `${prefix}-khach`),
  };
}

export function checkIn(pg, db, meeting, ids) {
  if (!ids.length) return;
  pg.psql(db.name, `INSERT INTO attendance_events (meeting_id, user_id, kind, mode, by_user_id)
    SELECT ${meeting}, u, 'check_in', 'online', u FROM unnest('{${ids.join(',')}}'::bigint[]) u`);
}

export function checkOut(pg, db, meeting, ids) {
  pg.psql(db.name, `INSERT INTO attendance_events (meeting_id, user_id, kind, by_user_id)
    SELECT ${meeting}, u, 'check_out', u FROM unnest('{${ids.join(',')}}'::bigint[]) u`);
}

let keyCounter = 0;
export const newKey = () => `k-${process.pid}-${Date.now()}-${++keyCounter}-${crypto.randomBytes(4).toString('hex')}`;

// Casts over the socket and waits for the answer to this message id.
export async function castWs(ws, pollId, choice, key = newKey(), timeoutMs = 10000) {
  const id = `c${++keyCounter}`;
  ws.sendJson({ type: 'vote.cast', id, poll_id: pollId, choice, idempotency_key: key });
  return ws.next((m) => (m.type === 'vote.recorded' && m.id === id) || (m.type === 'error' && m.ref === id), timeoutMs);
}

export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
