// Every endpoint of bodies, meetings, agenda, attendance and notifications for every role: the
// roles a route allows succeed, every other caller gets 403 (401 when not signed in), and a
// refused call changes nothing in the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sourceDir } from '../common/harness.mjs';
import { MeetingWorld } from './meeting-fixtures.mjs';

let w;
let n = 0;

before(async () => {
  w = await MeetingWorld.start();
});

after(async () => {
  await w?.stop();
});

const ACTORS = ['admin', 'secretariat', 'chair', 'member', 'guest', 'other', 'anonymous'];
const ALL = ['admin', 'secretariat', 'chair', 'member', 'guest'];
const NOT_GUEST = ['admin', 'secretariat', 'chair', 'member'];
const STAFF = ['admin', 'secretariat', 'chair'];
const PREPARE = ['admin', 'secretariat'];
const SIGNED_IN = ['admin', 'secretariat', 'chair', 'member', 'guest', 'other'];

// Fixtures: a fresh meeting of the council in a state (invitations to every member and the guest,
// two agenda items, one sitting), with what the routes need.
const meeting = (status) => async () => {
  const fx = await w.meeting({ status });
  fx.invitation = fx.invitations[w.actors.member2.userId];
  fx.absentee = w.actors.member2.userId;
  return fx;
};
const body = async () => ({});
const newcomer = async () => {
  n++;
  const id = await w.query(`INSERT INTO users (username, full_name, password_hash) VALUES ('nguoimoi${n}', 'Người Mới ${n}', 'x') RETURNING id;`);
  return { user: Number(id.split('\n')[0]) };
};
// One unread notification of each signed-in actor.
const notifications = async () => {
  const values = SIGNED_IN.map((a) => `(${w.actors[a].userId}, 'test', 'Thông báo thử')`).join(', ');
  const ids = (await w.query(`INSERT INTO notifications (user_id, kind, text) VALUES ${values} RETURNING id;`)).split('\n').map(Number);
  return Object.fromEntries(SIGNED_IN.map((a, i) => [a, ids[i]]));
};

const B = () => `/api/v1/bodies/${w.council}`;
const M = (fx) => `/api/v1/meetings/${fx.id}`;

const routes = [
  { method: 'GET', path: B, setup: body, allowed: ALL, status: 200 },
  { method: 'PATCH', path: B, setup: body, json: () => ({ quorum: '2/3' }), allowed: ['admin'], status: 200 },
  { method: 'GET', path: () => `${B()}/members`, setup: body, allowed: NOT_GUEST, status: 200 },
  { method: 'GET', path: () => `${B()}/sites`, setup: body, allowed: ALL, status: 200 },
  { method: 'POST', path: () => `${B()}/sites`, setup: body, json: () => ({ name: `Điểm cầu ${++n}`, kind: 'remote_hall' }), allowed: ['admin'], status: 201 },
  { method: 'PATCH', path: () => `${B()}/sites/${w.mainHall}`, setup: body, json: () => ({ name: `Hội trường ${++n}` }), allowed: ['admin'], status: 200 },
  { method: 'GET', path: () => `${B()}/terms`, setup: body, allowed: ALL, status: 200 },
  { method: 'POST', path: () => `${B()}/terms`, setup: body, json: () => ({ name: `Khóa ${++n}`, starts_on: '2026-03-01' }), allowed: PREPARE, status: 201 },
  { method: 'GET', path: () => `${B()}/roster`, setup: body, allowed: NOT_GUEST, status: 200 },
  { method: 'GET', path: () => `${B()}/roster/changes`, setup: body, allowed: NOT_GUEST, status: 200 },
  { method: 'POST', path: () => `${B()}/roster/changes`, setup: newcomer,
    json: (fx) => ({ user_id: fx.user, change: 'joined', effective_on: '2026-03-01', reason: 'Bầu cử bổ sung' }), allowed: PREPARE, status: 201 },
  { method: 'GET', path: () => `${B()}/meetings`, setup: body, allowed: ALL, status: 200 },
  { method: 'POST', path: () => `${B()}/meetings`, setup: body, json: () => ({ title: 'Phiên họp mới', kind: 'regular' }), allowed: PREPARE, status: 201 },

  { method: 'GET', path: M, setup: meeting('scheduled'), allowed: ALL, status: 200 },
  { method: 'PATCH', path: M, setup: meeting('scheduled'), json: () => ({ location: 'Phòng họp số 2' }), allowed: PREPARE, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/schedule`, setup: meeting('draft'), allowed: PREPARE, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/unschedule`, setup: meeting('scheduled'), allowed: PREPARE, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/open`, setup: meeting('scheduled'), allowed: ['chair'], status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/close`, setup: meeting('open'), allowed: ['chair'], status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/archive`, setup: meeting('closed'), allowed: PREPARE, status: 200 },
  { method: 'GET', path: (fx) => `${M(fx)}/sittings`, setup: meeting('scheduled'), allowed: ALL, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/sittings`, setup: meeting('scheduled'), json: () => ({ title: 'Phiên chiều' }), allowed: PREPARE, status: 201 },
  { method: 'PATCH', path: (fx) => `${M(fx)}/sittings/${fx.sitting}`, setup: meeting('scheduled'), json: () => ({ is_public: false }), allowed: STAFF, status: 200 },
  { method: 'GET', path: (fx) => `${M(fx)}/invitations`, setup: meeting('scheduled'), allowed: NOT_GUEST, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/invitations`, setup: meeting('scheduled'), json: () => ({ site_id: w.mainHall }), allowed: PREPARE, status: 201 },
  { method: 'PATCH', path: (fx) => `${M(fx)}/invitations/${fx.invitation}`, setup: meeting('scheduled'), json: () => ({ rsvp: 'accepted' }), allowed: PREPARE, status: 200 },
  { method: 'DELETE', path: (fx) => `${M(fx)}/invitations/${fx.invitation}`, setup: meeting('scheduled'), allowed: PREPARE, status: 204 },
  // Any role may call; only the invited (every member, the guest) may answer.
  { method: 'POST', path: (fx) => `${M(fx)}/rsvp`, setup: meeting('scheduled'), json: () => ({ rsvp: 'accepted' }), allowed: ['chair', 'member', 'guest'], status: 200 },
  { method: 'GET', path: (fx) => `${M(fx)}/corrections`, setup: meeting('closed'), allowed: ALL, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/corrections`, setup: meeting('closed'), json: () => ({ text: 'Đính chính' }), allowed: STAFF, status: 201 },

  { method: 'GET', path: (fx) => `${M(fx)}/agenda`, setup: meeting('scheduled'), allowed: ALL, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/agenda`, setup: meeting('scheduled'), json: (fx) => ({ agenda_version: fx.version, title: 'Mục mới' }), allowed: PREPARE, status: 201 },
  { method: 'PUT', path: (fx) => `${M(fx)}/agenda/order`, setup: meeting('scheduled'), json: (fx) => ({ agenda_version: fx.version, order: [...fx.items].reverse() }), allowed: PREPARE, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/agenda/current`, setup: meeting('open'), json: (fx) => ({ item_id: fx.items[1] }), allowed: ['chair'], status: 200 },
  { method: 'PATCH', path: (fx) => `${M(fx)}/agenda/${fx.items[0]}`, setup: meeting('scheduled'), json: (fx) => ({ agenda_version: fx.version, presenter: 'Thư ký' }), allowed: PREPARE, status: 200 },
  { method: 'DELETE', path: (fx) => `${M(fx)}/agenda/${fx.items[0]}?agenda_version=${fx.version}`, setup: meeting('scheduled'), allowed: PREPARE, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/agenda/${fx.items[0]}/visibility`, setup: meeting('open'), json: () => ({ is_public: false }), allowed: ['chair'], status: 200 },

  { method: 'GET', path: (fx) => `${M(fx)}/attendance`, setup: meeting('open'), allowed: ALL, status: 200 },
  { method: 'GET', path: (fx) => `${M(fx)}/attendance/events`, setup: meeting('open'), allowed: STAFF, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/attendance/check-in`, setup: meeting('open'), json: () => ({ mode: 'online' }), allowed: ['chair', 'member'], status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/attendance/check-out`, setup: meeting('open'), allowed: ['chair', 'member'], status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/attendance/${fx.absentee}/check-in`, setup: meeting('open'), json: () => ({ mode: 'hall', site_id: w.mainHall }), allowed: PREPARE, status: 200 },
  { method: 'POST', path: (fx) => `${M(fx)}/attendance/${fx.absentee}/check-out`, setup: meeting('open'), allowed: PREPARE, status: 200 },

  { method: 'GET', path: () => '/api/v1/notifications', setup: notifications, allowed: SIGNED_IN, status: 200 },
  { method: 'POST', path: () => '/api/v1/notifications/read-all', setup: notifications, allowed: SIGNED_IN, status: 200 },
  { method: 'POST', path: (fx, actor) => `/api/v1/notifications/${fx[actor] || fx.admin}/read`, setup: notifications, allowed: SIGNED_IN, status: 204 },
];

function call(actor, route, fx) {
  const c = w.actors[actor];
  const p = route.path(fx, actor);
  return route.json ? c.request(route.method, p, { json: route.json(fx) }) : c.request(route.method, p);
}

test('every route of the meetings API for every role', async () => {
  const table = [];
  for (const route of routes) {
    const name = `${route.method} ${route.path.toString().replace(/^\(?[^)]*\)?\s*=>\s*/, '')}`;
    // The refused callers, on one fixture: each gets 403 (401 signed out) and changes nothing.
    const fx = await route.setup();
    let before = await w.snapshot();
    for (const actor of ACTORS.filter((a) => !route.allowed.includes(a))) {
      const r = await call(actor, route, fx);
      const want = actor === 'anonymous' ? 401 : 403;
      assert.equal(r.status, want, `${name} as ${actor}: ${r.text}`);
      assert.ok(r.data?.error?.code && r.data.error.message, `${name} as ${actor}: an error body`);
      const now = await w.snapshot();
      assert.equal(now, before, `${name} as ${actor} changed something`);
      before = now;
      table.push(`${actor}:${r.status}`);
    }
    // The allowed callers succeed: each on a fresh fixture when the call changes something.
    for (const actor of route.allowed) {
      const own = route.method === 'GET' ? fx : await route.setup();
      const r = await call(actor, route, own);
      assert.equal(r.status, route.status, `${name} as ${actor}: ${r.text}`);
      table.push(`${actor}:${r.status}`);
    }
  }
  assert.equal(table.length, routes.length * ACTORS.length);
});

test('the table covers every route of the files it tests', () => {
  const fake = { id: 7, items: [7, 7], sitting: 7, invitation: 7, absentee: 7, version: 7, user: 7, admin: 7 };
  const pattern = (r) => `${r.method} ${r.path(fake, 'admin').split('?')[0].replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
  const tested = new Set(routes.map(pattern));
  const declared = new Set();
  for (const f of ['api-bodies.c', 'api-meetings.c', 'api-agenda.c', 'api-attendance.c']) {
    const text = fs.readFileSync(path.join(sourceDir, 'server', 'api', f), 'utf8');
    for (const [, method, p] of text.matchAll(/\{HTTP_METHOD_(\w+),\s*"([^"]+)"/g)) declared.add(`${method} ${p}`);
  }
  // Creating a body is the system administrator's, tested in api.test.mjs.
  declared.delete('POST /api/v1/bodies');
  declared.delete('GET /api/v1/bodies');
  assert.deepEqual([...declared].filter((x) => !tested.has(x)), [], 'routes without a row in the table');
  assert.deepEqual([...tested].filter((x) => !declared.has(x)), [], 'rows without a route');
});
