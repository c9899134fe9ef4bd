// Shared set-up of the meeting tests: a server with the demo data, signed-in clients for every
// role of the provincial council, and helpers that make meetings in a given state through the API.
import assert from 'node:assert/strict';
import { Postgres, Server } from '../common/harness.mjs';

export const COUNCIL = 'Hội đồng nhân dân tỉnh Sơn Hà';

// One psql process fed queries on stdin; each answer ends at a marker line. A query that fails
// (psql stops at the first error) or takes over a minute fails the test with psql's own words.
const QUERY_TIMEOUT_MS = 60000;

class PsqlSession {
  constructor(proc) {
    this.proc = proc;
    this.buffer = '';
    this.errors = '';
    this.waiting = null;
    proc.stdout.on('data', (d) => {
      this.buffer += d.toString();
      const end = this.buffer.indexOf('__phonghop_end__\n');
      if (end >= 0 && this.waiting) {
        const out = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + '__phonghop_end__\n'.length);
        this.settle((w) => w.resolve(out.trim()));
      }
    });
    proc.stderr.on('data', (d) => { this.errors += d.toString(); });
    proc.on('exit', (code) => this.settle((w) => w.reject(new Error(`psql exited (${code}) during ${w.text.slice(0, 200)}: ${this.errors}`))));
    this.chain = Promise.resolve();
  }
  settle(how) {
    const w = this.waiting;
    if (!w) return;
    this.waiting = null;
    clearTimeout(w.timer);
    how(w);
  }
  query(text) {
    const run = () => new Promise((resolve, reject) => {
      if (this.proc.exitCode !== null) {
        reject(new Error(`psql has exited (${this.proc.exitCode}): ${this.errors}`));
        return;
      }
      const timer = setTimeout(() => this.settle((w) => w.reject(new Error(`psql: no answer within ${QUERY_TIMEOUT_MS / 1000} s to ${text.slice(0, 200)} ${this.errors}`))), QUERY_TIMEOUT_MS);
      this.waiting = { resolve, reject, text, timer };
      this.proc.stdin.write(`${text}\n\\echo __phonghop_end__\n`);
    });
    this.chain = this.chain.then(run, run);
    return this.chain;
  }
  close() {
    this.proc.stdin.end();
  }
}

export class MeetingWorld {
  static async start() {
    const w = new MeetingWorld();
    w.pg = new Postgres();
    w.db = w.pg.createDatabase();
    w.server = await Server.start({ db: w.db });
    // A second secretary of the council, for the concurrent edits.
    w.sql(`INSERT INTO memberships (body_id, user_id, role)
             SELECT b.id, u.id, 'secretariat' FROM bodies b, users u
             WHERE b.name = '${COUNCIL}' AND u.username = 'daibieu49'`);
    w.actors = {};
    const logins = {
      admin: 'quantri', secretariat: 'vanphong', secretariat2: 'daibieu49', chair: 'chutich',
      member: 'daibieu03', member2: 'daibieu04', guest: 'khachmoi', other: 'uyvien02',
    };
    for (const [role, username] of Object.entries(logins)) {
      const c = w.server.client();
      const r = await c.login(username);
      assert.equal(r.status, 200, `login ${username}`);
      c.userId = r.data.user.id;
      c.username = username;
      w.actors[role] = c;
    }
    w.actors.anonymous = w.server.client();
    w.council = Number(w.sql(`SELECT id FROM bodies WHERE name = '${COUNCIL}'`));
    w.committee = Number(w.sql("SELECT id FROM bodies WHERE kind = 'committee'"));
    w.mainHall = Number(w.sql(`SELECT id FROM sites WHERE body_id = ${w.council} AND kind = 'main_hall'`));
    w.remoteHall = Number(w.sql(`SELECT min(id) FROM sites WHERE body_id = ${w.council} AND kind = 'remote_hall'`));
    w.seq = 0;
    w.session = new PsqlSession(w.pg.psqlSession(w.db.name));
    return w;
  }

  async stop() {
    this.session?.close();
    await this.server?.destroy();
    this.pg?.destroy();
  }

  // Like sql(), through one long-lived psql (no process start per query): for the many snapshots.
  query(text) {
    return this.session.query(text);
  }

  // psql's text output, trimmed.
  sql(text) {
    return this.pg.psql(this.db.name, text).trim();
  }

  userId(username) {
    return Number(this.sql(`SELECT id FROM users WHERE username = '${username}'`));
  }

  // A meeting of the council in the given state, made through the API: invitations to every
  // member and the guest, two agenda items and a sitting. Returns { id, items, sitting, version,
  // invitations: { user id: invitation id } }.
  async meeting({ status = 'scheduled', title, isPublic = true, invite = true, startsAt = '2026-09-15T08:00:00+07:00' } = {}) {
    const sec = this.actors.secretariat;
    const chair = this.actors.chair;
    const m = await sec.post(`/api/v1/bodies/${this.council}/meetings`, {
      title: title || `Phiên họp thử ${++this.seq}`, kind: 'regular', starts_at: startsAt,
      location: 'Hội trường chính', is_public: isPublic,
    });
    assert.equal(m.status, 201, m.text);
    const id = m.data.meeting.id;
    const items = [];
    let version = m.data.meeting.agenda_version;
    for (const t of ['Khai mạc', 'Thảo luận']) {
      const r = await sec.post(`/api/v1/meetings/${id}/agenda`, { agenda_version: version, title: t, presenter: 'Chủ tọa', planned_minutes: 15 });
      assert.equal(r.status, 201, r.text);
      items.push(r.data.item_id);
      version = r.data.agenda_version;
    }
    const s = await sec.post(`/api/v1/meetings/${id}/sittings`, { title: 'Phiên sáng' });
    assert.equal(s.status, 201, s.text);
    const invitations = {};
    if (invite) {
      for (const body of [{ all_members: true }, { user_id: this.actors.guest.userId }]) {
        const r = await sec.post(`/api/v1/meetings/${id}/invitations`, body);
        assert.equal(r.status, 201, r.text);
        for (const i of r.data.invitations) invitations[i.user_id] = i.id;
      }
    }
    const steps = { draft: [], scheduled: ['schedule'], open: ['schedule', 'open'],
      closed: ['schedule', 'open', 'close'], archived: ['schedule', 'open', 'close', 'archive'] }[status];
    for (const step of steps) {
      const who = step === 'open' || step === 'close' ? chair : sec;
      const r = await who.post(`/api/v1/meetings/${id}/${step}`);
      assert.equal(r.status, 200, `${step}: ${r.text}`);
      if (step === 'open' || step === 'close') await this.recordingSettled(id, step);
    }
    return { id, items, sitting: s.data.sitting.id, version, invitations };
  }

  // The servers of these tests record every meeting from its opening to its close ([media]
  // record_meetings, on by default), and the recording's start and stop are journaled just after
  // the opening and the close: waits for that fact, so a snapshot taken next is stable.
  async recordingSettled(meeting, step, timeoutMs = 15000) {
    const count = (kind) => Number(this.sql(`SELECT count(*) FROM meeting_journal WHERE meeting_id = ${meeting} AND kind = '${kind}'`));
    const settled = () => step === 'open'
      ? count('recording.started') > count('recording.stopped')
      : count('recording.started') === count('recording.stopped');
    const deadline = Date.now() + timeoutMs;
    while (!settled()) {
      assert.ok(Date.now() < deadline, `meeting ${meeting}: the recording did not follow the ${step}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  // A digest of everything the meeting routes may change, to show a refused call changed nothing.
  snapshot() {
    const tables = ['bodies', 'terms', 'roster_changes', 'memberships', 'sites', 'meetings', 'sittings',
      'agenda_items', 'invitations', 'notifications', 'attendance_events', 'meeting_corrections',
      'meeting_events', 'meeting_journal'];
    return this.query(tables.map((t) => `SELECT '${t}', md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM ${t} x`)
      .join(' UNION ALL ') + ' ORDER BY 1;');
  }

  // The stored events of a meeting: [{seq, kind, is_public, audience (user ids or null), payload}].
  events(meeting) {
    const out = this.sql(`SELECT coalesce(json_agg(json_build_object('seq', seq, 'kind', kind, 'is_public', is_public, 'audience', audience, 'payload', payload) ORDER BY seq), '[]') FROM meeting_events WHERE meeting_id = ${meeting}`);
    return JSON.parse(out);
  }

  journal(meeting) {
    const out = this.sql(`SELECT coalesce(json_agg(json_build_object('seq', seq, 'kind', kind, 'actor', actor, 'entry', entry, 'hash', encode(hash, 'hex')) ORDER BY seq), '[]') FROM meeting_journal WHERE meeting_id = ${meeting}`);
    return JSON.parse(out);
  }
}
