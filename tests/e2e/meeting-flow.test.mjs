// A sitting from preparation to the vote, in real browsers (Debian's Chromium, one browser context
// per person with fake camera and microphone), against the real phonghop with a real PostgreSQL
// and the demo data, serving the web client built from web-client/:
//
//   the secretariat creates a meeting, builds its agenda, uploads a PDF (progress bar) to an item,
//   releases it, invites every member and schedules the meeting;
//   the chair opens the sitting and moves to the first item;
//   three members enter the room, check in, read the document in the viewer (the read receipt)
//   and keep a private note;
//   two ask for the floor and see their place; the chair grants it and every member's page, the
//   hall screen and the public page show the speaker, and the speaker's camera (fake device)
//   plays on the other members' tablets and the hall screen through the media server;
//   one member's network is cut; the chair moves on meanwhile; the network comes back and that
//   member's page catches up, its media joined again (the new speaker's picture plays);
//   the tablets tell the server the size of each picture (media.view) and a small grid tile
//   receives a small simulcast layer;
//   when the server has the vote routes: the chair opens a named vote, the members vote (each
//   sees "recorded" with a receipt only after the server acknowledged), the chair closes it, and
//   every page shows the same result with the legal wording; the public page (no sign-in) reads
//   the agenda built while the meeting was a draft and the result from the public view; the hall
//   screen runs on an address the secretariat issued for the main hall (no account signed in on
//   it), shows the speaker's title, and stops when the secretariat revokes it.
//
// Screenshots of each screen at 1024x768, 1920x1080 and 390x844 go to tests/artifacts/screenshots/.
// Every screen is also checked for text contrast (WCAG AA), controls without an accessible name,
// and touch targets smaller than 44 px.
import { describe, test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_PASSWORD, Postgres, Server, sourceDir, tmpDir, rmrf, waitFor } from '../common/harness.mjs';
import {
  SIZES, chromiumAvailable, contrastProblems, diagnosedTest, launchUser, login, makePdf, screenshotSizes, smallTargets,
  unnamedControls, writeStallReport,
} from './browser.mjs';

const SHOTS = path.join(sourceDir, 'tests', 'artifacts', 'screenshots');
const webSource = path.join(sourceDir, 'web-client');
const BODY = 1; // the demo's provincial council
const MEETING_TITLE = 'Kỳ họp chuyên đề tháng 12 - thử nghiệm';
const ITEMS = ['Khai mạc kỳ họp', 'Tờ trình về mức chi hỗ trợ cán bộ không chuyên trách', 'Thảo luận và biểu quyết'];
const DOC_TITLE = 'Tờ trình số 12/TTr-UBND';
const MEMBERS = ['daibieu02', 'daibieu03', 'daibieu04'];

let pg, db, server, webRoot, builtHere = false;
let skipReason = null;
const people = {}; // name -> { context, page, log, close }
let meetingId = null;
let screenAddress = null;
let memberNames = {};

const test = diagnosedTest(nodeTest, people, () => server);
const checks = []; // accessibility findings per screen, reported at the end

// The web client as it is now: built into a temporary directory (dist/ may be stale or absent).
function buildWebClient() {
  if (fs.existsSync(path.join(webSource, 'node_modules'))) {
    const out = tmpDir('phonghop-web-');
    execFileSync('npm', ['run', '--silent', 'build', '--', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: webSource, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300000,
    });
    builtHere = true;
    return out;
  }
  const dist = path.join(webSource, 'dist');
  return fs.existsSync(path.join(dist, 'index.html')) ? dist : null;
}

async function screen(name, page, { sizes, show } = {}) {
  await screenshotSizes(page, SHOTS, name, { ...(sizes ? { sizes } : {}), ...(show ? { show } : {}) });
  checks.push({
    name,
    contrast: await contrastProblems(page),
    unnamed: await unnamedControls(page),
    small: await smallTargets(page),
  });
}

const url = (hash) => `${server.url}/#${hash}`;
const meetingHash = (page = '') => `/bodies/${BODY}/meetings/${meetingId}${page ? `/${page}` : ''}`;
const api = async (who, method, p, json) => {
  const c = server.client();
  await c.login(who);
  return json === undefined ? c.request(method, p) : c.request(method, p, { json });
};

before(async () => {
  if (!chromiumAvailable()) { skipReason = 'no /usr/bin/chromium'; return; }
  webRoot = buildWebClient();
  if (!webRoot) { skipReason = 'the web client is not built and cannot be (no web-client/node_modules)'; return; }
  pg = new Postgres();
  db = pg.createDatabase();
  // Media on loopback: the server announces 127.0.0.1, which Chromium reaches with
  // --allow-loopback-in-peer-connection (TESTING.md).
  server = await Server.start({
    db,
    config: { server: { web_root: webRoot, profile: 'isolated' }, media: { addresses: '127.0.0.1' } },
  });
  for (const line of pg.psql(db.name, `SELECT username, full_name FROM users WHERE username IN (${MEMBERS.map((m) => `'${m}'`).join(',')})`).trim().split('\n')) {
    const [username, name] = line.split('|');
    memberNames[username] = name;
  }
  fs.mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  for (const person of Object.values(people)) await person.close();
  if (server) console.log(await writeStallReport(server));
  await server?.destroy();
  pg?.destroy();
  if (builtHere && webRoot) rmrf(webRoot);
  if (checks.length > 0) {
    for (const c of checks) {
      const issues = c.contrast.length + c.unnamed.length + c.small.length;
      console.log(`# ${c.name}: ${issues === 0 ? 'contrast, names and touch targets fine' : JSON.stringify(c)}`);
    }
  }
});

describe('a sitting in real browsers', () => {
  test('the login page, with the message after too many failures', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const visitor = people.visitor = await launchUser('visitor');
    await visitor.page.goto(url('/login'));
    await visitor.page.getByLabel('Tên đăng nhập').waitFor();
    await screen('login', visitor.page);
    // Wrong passwords until the server throttles: the form says how long to wait, in Vietnamese.
    for (let i = 0; i < 12; i++) {
      await visitor.page.getByLabel('Tên đăng nhập').fill('khachmoi');
      await visitor.page.getByLabel('Mật khẩu', { exact: true }).fill(`sai-${i}`);
      await visitor.page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
      await visitor.page.locator('#login-problem p').first().waitFor({ timeout: 10000 });
      await visitor.page.waitForFunction(() => !document.querySelector('button[aria-busy=true]'));
      if (/quá nhiều lần/.test(await visitor.page.locator('#login-problem').textContent())) break;
    }
    await visitor.page.getByRole('timer').filter({ hasText: /Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau \d+ giây/ }).waitFor();
    await screen('login-throttled', visitor.page, { sizes: ['tablet'] });
    await visitor.close();
    delete people.visitor;
  });

  test('the secretariat prepares a meeting with a document', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const sec = people.secretariat = await launchUser('secretariat');
    const { page } = sec;
    await login(sec, server.url, 'vanphong', DEMO_PASSWORD);
    await page.goto(url(`/bodies/${BODY}/meetings`));
    await page.getByTestId('create-meeting').waitFor();
    await screen('meetings', page);
    await page.getByTestId('create-meeting').click();
    await page.getByTestId('meeting-title').fill(MEETING_TITLE);
    await page.getByTestId('meeting-starts').fill('2026-12-15T08:00');
    await page.getByTestId('meeting-location').fill('Hội trường chính - Trụ sở HĐND tỉnh');
    await screen('create-meeting', page);
    await page.getByTestId('meeting-submit').click();
    await page.waitForURL(/\/prepare$/);
    meetingId = Number(page.url().match(/meetings\/(\d+)\/prepare/)[1]);
    assert.ok(meetingId > 0, 'the new meeting has an id');

    for (const [i, title] of ITEMS.entries()) {
      await page.getByTestId('agenda-title').fill(title);
      if (i === 1) {
        await page.getByTestId('agenda-presenter').fill('Ủy ban nhân dân tỉnh');
        await page.getByTestId('agenda-minutes').fill('20');
      }
      await page.getByTestId('agenda-add').click();
      await waitFor(async () => (await page.getByTestId('agenda-row').count()) === i + 1, { what: `agenda item ${i + 1} on screen` });
    }

    // The upload: metadata in the query string, a progress bar that reaches "done".
    const file = path.join(tmpDir('phonghop-pdf-'), 'to-trinh-12.pdf');
    fs.writeFileSync(file, makePdf('To trinh so 12/TTr-UBND ve muc chi ho tro'));
    await page.getByTestId('upload-file').setInputFiles(file);
    await page.getByTestId('upload-title').fill(DOC_TITLE);
    await page.getByTestId('upload-item').selectOption({ label: `2. ${ITEMS[1]}` });
    await page.getByTestId('upload-submit').click();
    await page.locator('[data-testid=upload-job][data-phase=done]').waitFor({ timeout: 20000 });
    assert.equal(await page.locator('[data-testid=upload-job] progress').getAttribute('value'), '100');
    await page.getByTestId('release').click();
    await page.getByTestId('released').waitFor();
    await page.getByTestId('invite-all').click();
    await page.getByTestId('invitation-counts').filter({ hasText: /Đã mời 50/ }).waitFor();
    await page.getByTestId('schedule').click();
    await page.getByTestId('meeting-status').filter({ hasText: 'Đã lên lịch' }).waitFor();
    await screen('prepare', page);

    // A hall screen for the main hall: an address of its own, shown once, no account on it.
    await page.getByTestId('screen-site').selectOption({ index: 0 });
    await page.getByTestId('screen-issue').click();
    screenAddress = (await page.getByTestId('screen-address').textContent()).trim();
    assert.match(screenAddress, /\/#\/screen\/[A-Za-z0-9_-]{40,}$/);
    await screen('prepare-screens', page, { show: '[data-testid=screens-panel]' });

    // What the server now holds.
    const meeting = await api('vanphong', 'GET', `/api/v1/meetings/${meetingId}`);
    assert.equal(meeting.data.meeting.status, 'scheduled');
    assert.equal(meeting.data.meeting.starts_at, '2026-12-15T01:00:00Z', 'the time typed is Vietnam time');
    assert.deepEqual(meeting.data.agenda.map((i) => i.title), ITEMS);
    const docs = await api('vanphong', 'GET', `/api/v1/meetings/${meetingId}/documents`);
    assert.equal(docs.data.documents.length, 1);
    assert.equal(docs.data.documents[0].title, DOC_TITLE);
    assert.equal(docs.data.documents[0].released_version, 1);
    assert.equal(docs.data.documents[0].agenda_item_id, meeting.data.agenda[1].id);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });

    // The body's meetings on the month calendar: the new one on 15 December, in Vietnam time.
    await page.goto(url(`/bodies/${BODY}/meetings`));
    await page.getByTestId('calendar-view').click();
    for (let i = 0; i < 24 && !(await page.getByRole('link', { name: new RegExp(MEETING_TITLE) }).isVisible()); i++) {
      await page.getByRole('button', { name: 'Tháng sau' }).click();
    }
    const cell = page.locator('td', { has: page.getByRole('link', { name: new RegExp(MEETING_TITLE) }) });
    assert.match(await cell.locator('.date').textContent(), /^15$/);
    await screen('meetings-calendar', page);
  });

  test('the chair opens the sitting and moves to the first item', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const chair = people.chair = await launchUser('chair');
    const { page } = chair;
    await login(chair, server.url, 'chutich', DEMO_PASSWORD);
    await page.goto(url(meetingHash('chair')));
    await page.getByTestId('open-meeting').click();
    await page.getByTestId('meeting-status').filter({ hasText: 'Đang họp' }).waitFor();
    // Opening starts the recording ([media] record_meetings); the chair sees it, may stop and
    // start it again, each step known from the meeting's events.
    await page.locator('[data-testid="recording-state"][data-state="recording"]').filter({ hasText: 'Đang ghi hình' }).waitFor();
    await page.getByTestId('recording-stop').click();
    await page.locator('[data-testid="recording-state"][data-state="off"]').waitFor();
    await page.getByTestId('recording-start').click();
    await page.locator('[data-testid="recording-state"][data-state="recording"]').waitFor();
    await page.getByTestId('next-item').click();
    await page.getByTestId('chair-current-item').filter({ hasText: ITEMS[0] }).waitFor();
  });

  test('three members join, check in, read the document and keep a note', async (t) => {
    if (skipReason) return t.skip(skipReason);
    for (const username of MEMBERS) {
      const member = people[username] = await launchUser(username);
      // The second member's live messages, to see the media.view hints and their answers.
      member.frames = [];
      member.page.on('websocket', (ws) => {
        ws.on('framesent', (f) => member.frames.push(['sent', String(f.payload)]));
        ws.on('framereceived', (f) => member.frames.push(['received', String(f.payload)]));
      });
      await login(member, server.url, username, DEMO_PASSWORD);
    }
    const first = people[MEMBERS[0]].page;
    // The meeting's page: the invitation with its answer, then the way into the room.
    await first.goto(url(meetingHash()));
    await first.getByTestId('rsvp-accept').click();
    await first.getByTestId('rsvp-state').filter({ hasText: 'Tham dự' }).waitFor();
    await screen('meeting', first);

    for (const username of MEMBERS) {
      const { page } = people[username];
      if (username !== MEMBERS[0]) await page.goto(url(meetingHash()));
      await page.getByTestId('enter-room').click();
      await page.waitForURL(/\/room$/);
      await page.getByTestId('current-item').filter({ hasText: ITEMS[0] }).waitFor();
      await page.getByRole('button', { name: 'Điểm danh', exact: true }).click();
      await page.getByTestId('checked-in').waitFor();
      // The document, in the viewer: the first open is the read receipt.
      await page.getByRole('button', { name: `Đọc tài liệu: ${DOC_TITLE}` }).click();
      const dialog = page.getByRole('dialog', { name: DOC_TITLE });
      await dialog.getByTestId('page-count').filter({ hasText: 'Trang 1/1' }).waitFor({ timeout: 20000 });
      await waitFor(() => page.getByTestId('pdf-canvas').evaluate((c) => c.width > 100 && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((v, i) => i % 4 !== 3 && v < 128)), { what: 'the PDF page drawn with its text' });
      if (username === MEMBERS[0]) {
        await dialog.getByTestId('note-text').fill('Đề nghị làm rõ nguồn kinh phí thực hiện.');
        await dialog.getByRole('button', { name: 'Lưu ghi chú' }).click();
        await dialog.getByText(/Đã lưu lúc/).waitFor();
        await screen('document-viewer', page);
      }
      await dialog.getByRole('button', { name: 'Đóng' }).click();
      await page.getByTestId('read-receipt').waitFor();
    }

    const docId = (await api('vanphong', 'GET', `/api/v1/meetings/${meetingId}/documents`)).data.documents[0].id;
    const receipts = await api('vanphong', 'GET', `/api/v1/documents/${docId}/receipts`);
    assert.equal(receipts.data.opened, 3, 'three read receipts');
    const attendance = await api('chutich', 'GET', `/api/v1/meetings/${meetingId}/attendance`);
    assert.equal(attendance.data.present, 3);
    const note = await people[MEMBERS[0]].page.evaluate(async (id) => {
      const r = await fetch(`/api/v1/documents/${id}/note`);
      return (await r.json()).note.text;
    }, docId);
    assert.equal(note, 'Đề nghị làm rõ nguồn kinh phí thực hiện.', 'the private note is kept');
    // The chair sees the count against the quorum (2/3 of 50: 34 needed).
    await people.chair.page.getByText('Có mặt 3/50 đại biểu').first().waitFor();
    await people.chair.page.getByText(/Chưa đủ số đại biểu: cần ít nhất 34 \(2\/3\)/).first().waitFor();
  });

  test('members ask for the floor; the chair grants it; every page shows the speaker', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const [a, b, c] = MEMBERS.map((m) => people[m].page);
    await a.getByRole('button', { name: 'Đăng ký phát biểu' }).click();
    await a.getByTestId('my-place').filter({ hasText: 'Bạn đang ở vị trí thứ 1/1' }).waitFor();
    // The second member asks with the keyboard alone.
    await b.getByRole('radio', { name: 'Chất vấn' }).check();
    await b.getByRole('button', { name: 'Đăng ký phát biểu' }).focus();
    await b.keyboard.press('Enter');
    await b.getByTestId('my-place').filter({ hasText: 'Bạn đang ở vị trí thứ 2/2' }).waitFor();
    await a.getByText('Danh sách chờ phát biểu (2)').waitFor();
    await screen('room', a);

    // The hall screen (bound to the main hall by the secretariat's address, nobody signed in on
    // it) and the public page (no sign-in) follow along.
    const hall = people.hall = await launchUser('hall', { size: SIZES.hall });
    await hall.page.goto(screenAddress);
    await hall.page.waitForURL(/#\/screen$/); // the token leaves the address bar
    await hall.page.getByTestId('hall-item').filter({ hasText: ITEMS[0] }).waitFor();
    const visitor = people.public = await launchUser('public', { size: SIZES.phone });
    await visitor.page.goto(url(`/public/${meetingId}`));
    // The public read of the meeting: the agenda built while it was a draft, and its body.
    await visitor.page.getByRole('heading', { name: MEETING_TITLE }).waitFor();
    await visitor.page.getByTestId('public-item').filter({ hasText: ITEMS[0] }).waitFor();
    for (const title of ITEMS) await visitor.page.getByText(title, { exact: false }).first().waitFor();
    await visitor.page.getByTestId('public-body').filter({ hasText: 'Hội đồng nhân dân tỉnh Sơn Hà' }).waitFor();

    const chair = people.chair.page;
    await chair.getByTestId('queue-entry').nth(1).waitFor();
    await screen('chair', chair);
    await chair.getByRole('button', { name: `Mời đại biểu ${memberNames[MEMBERS[0]]} phát biểu` }).click();
    for (const page of [a, b, c]) {
      await page.getByTestId('speaker-name').filter({ hasText: memberNames[MEMBERS[0]] }).waitFor();
    }
    await a.getByTestId('you-speak').waitFor();
    await b.getByTestId('my-place').filter({ hasText: 'Bạn đang ở vị trí thứ 1/1' }).waitFor();
    await hall.page.getByTestId('hall-speaker').filter({ hasText: memberNames[MEMBERS[0]] }).waitFor();
    await visitor.page.getByTestId('public-speaker').filter({ hasText: memberNames[MEMBERS[0]] }).waitFor();
    // The speaker's title comes with the floor's events: the hall screen and the public page show
    // it without the roster (neither may read it).
    const speakerTitle = (await api('vanphong', 'GET', `/api/v1/meetings/${meetingId}/floor`)).data.floor.speaker.title;
    assert.ok(speakerTitle, 'the demo member has a title');
    await hall.page.getByTestId('hall-speaker-title').filter({ hasText: speakerTitle }).waitFor();
    await visitor.page.getByTestId('public-speaker').filter({ hasText: `${memberNames[MEMBERS[0]]}, ${speakerTitle}` }).waitFor();
    // The hall screen is in the meeting's media as the main hall, not as a person.
    const peers = (await api('vanphong', 'GET', `/api/v1/meetings/${meetingId}/screens`)).data.screens;
    assert.equal(peers.length, 1);
    assert.ok(peers[0].last_used_at, 'the screen used its token');
    // The speaker's camera (Chromium's fake device) reaches the others through the media server:
    // their speaker tile and the hall screen play it (frames decoded, time running).
    for (const [page, selector] of [[b, 'speaker-video'], [c, 'speaker-video'], [hall.page, 'hall-video']]) {
      await page.waitForFunction((testid) => {
        const video = document.querySelector(`[data-testid=${testid}]`);
        return video !== null && video.videoWidth > 0 && video.currentTime > 1;
      }, selector, { timeout: 45000 });
    }
    const decoded = await b.evaluate(() => document.querySelector('[data-testid=speaker-video]').getVideoPlaybackQuality().totalVideoFrames);
    assert.ok(decoded > 10, `frames of the speaker decoded on another member's tablet: ${decoded}`);
    // Layer hints: the tablet told the server the size of each picture it shows (media.view) and
    // the server took them (media.viewed); the third member's small grid tile gets a small
    // simulcast layer (at most 320 px wide) while their camera sends 640 px.
    const frames = people[MEMBERS[1]].frames.map(([way, text]) => { try { return [way, JSON.parse(text)]; } catch { return [way, {}]; } });
    const views = frames.filter(([way, m]) => way === 'sent' && m.type === 'media.view').map(([, m]) => m);
    assert.ok(views.some((m) => m.width >= 640), `a large view for the speaker: ${JSON.stringify(views)}`);
    assert.ok(views.some((m) => m.width > 0 && m.width <= 320), `a small view for a grid tile: ${JSON.stringify(views)}`);
    await waitFor(() => people[MEMBERS[1]].frames.some(([way, text]) => way === 'received' && text.includes('"media.viewed"')), { what: 'the server answering media.viewed' });
    const cName = memberNames[MEMBERS[2]];
    await b.waitForFunction((name) => {
      const tile = [...document.querySelectorAll('[data-testid=participant-tile]')].find((t) => t.textContent.includes(name));
      const video = tile?.querySelector('video');
      return video !== undefined && video !== null && video.videoWidth > 0 && video.videoWidth <= 320;
    }, cName, { timeout: 30000 });
    await screen('room-speaking', a);
    await screen('hall', hall.page);
    await screen('public', visitor.page);
  });

  test("a member's network is cut and restored: the page catches up", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const offline = people[MEMBERS[2]];
    const chair = people.chair.page;
    await offline.context.setOffline(true);
    await offline.page.getByText('Mất kết nối với máy chủ. Đang kết nối lại…').waitFor({ timeout: 20000 });
    await screen('room-offline', offline.page, { sizes: ['tablet'] });

    // Meanwhile the chair ends the turn, gives the floor to the next and moves to the next item.
    await chair.getByRole('button', { name: 'Kết thúc lượt' }).click();
    await chair.getByRole('button', { name: `Mời đại biểu ${memberNames[MEMBERS[1]]} phát biểu` }).click();
    await chair.getByTestId('next-item').click();
    const online = people[MEMBERS[0]].page;
    await online.getByTestId('speaker-name').filter({ hasText: memberNames[MEMBERS[1]] }).waitFor();
    await online.getByTestId('current-item').filter({ hasText: ITEMS[1] }).waitFor();
    // The page that is cut off still shows what it had: it has not caught up by magic.
    assert.equal(await offline.page.getByTestId('speaker-name').textContent(), memberNames[MEMBERS[0]]);
    assert.equal(await offline.page.getByTestId('sync-state').getAttribute('data-synced'), 'no');

    await offline.context.setOffline(false);
    await offline.page.getByTestId('speaker-name').filter({ hasText: memberNames[MEMBERS[1]] }).waitFor({ timeout: 30000 });
    await offline.page.getByTestId('current-item').filter({ hasText: ITEMS[1] }).waitFor();
    await offline.page.locator('[data-testid=sync-state][data-synced=yes]').waitFor();
    await offline.page.getByText('Đã kết nối lại với máy chủ.').waitFor();
    // Its own check-in and read receipt are still there (nothing was lost in the gap).
    await offline.page.getByTestId('checked-in').waitFor();
    await offline.page.getByTestId('read-receipt').waitFor();
    // The server dropped its media with the old connection: the page joined again (not an ICE
    // restart of connections the server no longer has) and the new speaker's picture plays.
    await offline.page.waitForFunction(() => {
      const video = document.querySelector('[data-testid=speaker-video]');
      return video !== null && video.videoWidth > 0 && video.currentTime > 1;
    }, null, { timeout: 90000 });
  });

  test('a named vote: members vote, every page shows the same result with the legal wording', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const probe = await api('chutich', 'GET', `/api/v1/meetings/${meetingId}/polls`);
    if (probe.status === 404) return t.skip('the server has no vote routes yet');
    assert.equal(probe.status, 200, probe.text);
    const chair = people.chair.page;
    await chair.getByRole('button', { name: 'Dừng phát biểu' }).click();
    await chair.getByTestId('poll-title-input').fill('Thông qua Nghị quyết quy định mức chi hỗ trợ');
    await chair.getByTestId('poll-create').click();
    await chair.getByTestId('poll-open').click();
    await chair.getByTestId('poll-cast').filter({ hasText: 'Đã biểu quyết: 0/50 đại biểu' }).waitFor();
    await chair.getByTestId('poll-threshold').waitFor();

    const choices = { [MEMBERS[0]]: 'for', [MEMBERS[1]]: 'for', [MEMBERS[2]]: 'against' };
    const first = people[MEMBERS[0]].page;
    await first.getByTestId('poll-title').filter({ hasText: 'Thông qua Nghị quyết' }).waitFor();
    await screen('vote-open', first, { show: '[data-testid=vote-panel]' });
    for (const [username, choice] of Object.entries(choices)) {
      const { page } = people[username];
      await page.getByTestId(`vote-${choice}`).click();
      await page.getByTestId('vote-recorded').waitFor();
      assert.match(await page.getByTestId('vote-receipt').textContent(), /Biên nhận: mục số \d+ của nhật ký phiên họp/);
    }
    await people.hall.page.getByTestId('hall-cast').filter({ hasText: 'Đã biểu quyết: 3/50' }).waitFor();
    await screen('vote-recorded', first, { show: '[data-testid=vote-panel]' });
    await first.getByRole('button', { name: 'Kiểm tra phiếu trong nhật ký' }).click();
    await first.getByTestId('vote-verified').filter({ hasText: 'Đã kiểm tra' }).waitFor();

    await chair.getByTestId('poll-cast').filter({ hasText: '3/50' }).waitFor();
    await chair.getByTestId('poll-close').click();
    // the click sends the close; the poll is closed once the server has answered it
    const closed = await waitFor(async () => {
      const polls = await api('chutich', 'GET', `/api/v1/meetings/${meetingId}/polls`);
      return polls.data.polls.find((p) => p.state === 'closed');
    }, { timeoutMs: 20000, intervalMs: 250, what: 'the poll is closed' });
    const wording = closed.wording.vi.join('\n');
    assert.ok(wording.length > 0);
    const pages = [chair, ...MEMBERS.map((m) => people[m].page), people.hall.page, people.public.page];
    for (const page of pages) {
      const shown = page.getByTestId('vote-wording').first();
      await shown.waitFor({ timeout: 20000 });
      const lines = await shown.locator('p').allTextContents();
      assert.equal(lines.join('\n'), wording, 'the legal wording, the same on every page');
    }
    await screen('vote-result', first, { show: '[data-testid=vote-panel]' });
    await screen('hall-result', people.hall.page);
  });

  test('the public page shows the result without signing in; a revoked hall screen says so', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const visitor = people.public.page;
    // A fresh visit reads the result from the public view (not only from the live events).
    await visitor.reload();
    await visitor.getByTestId('vote-wording').first().waitFor();
    const view = await (await fetch(`${server.url}/api/v1/public/meetings/${meetingId}`)).json();
    const closed = view.polls.find((p) => p.state === 'closed');
    assert.ok(closed && closed.named.some((n) => n.choice === 'for'), 'the named record is public');
    assert.equal((await visitor.getByTestId('vote-wording').first().locator('p').allTextContents()).join('\n'), closed.wording.vi.join('\n'));
    await screen('public-result', visitor, { show: '[data-testid=vote-wording]' });

    // The secretariat revokes the hall screen: it stops at once and says what to do.
    const sec = people.secretariat.page;
    await sec.goto(url(meetingHash('prepare')));
    await sec.getByTestId('screens-panel').getByRole('button', { name: 'Thu hồi' }).click();
    await sec.getByTestId('screens-panel').getByText('hết hiệu lực').waitFor();
    await people.hall.page.getByTestId('hall-screen-revoked').waitFor({ timeout: 30000 });
    await screen('hall-revoked', people.hall.page, { sizes: ['hall'] });
  });

  test('English is one tap away, with the same screens', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const page = people[MEMBERS[0]].page;
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Speaking' }).waitFor();
    await screen('room-english', page, { sizes: ['tablet'] });
    await page.getByRole('button', { name: 'Tiếng Việt' }).click();
  });

  test('the chair stops the recording; the archive lists the members\' tracks and a file plays', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const chair = people.chair.page;
    await chair.goto(url(meetingHash('chair')));
    await chair.getByTestId('recording-stop').click();
    await chair.locator('[data-testid="recording-state"][data-state="off"]').waitFor();
    // The files are closed, hashed and listed once the stop is through.
    let listed = null;
    await waitFor(async () => {
      const answer = await api('chutich', 'GET', `/api/v1/meetings/${meetingId}/recordings`);
      listed = answer.data;
      const runs = answer.data.recordings ?? [];
      const segments = answer.data.segments ?? [];
      return runs.length > 0 && runs.every((r) => r.state !== 'recording') &&
        segments.some((s) => s.state === 'complete' && s.user_id !== null) &&
        segments.some((s) => s.state === 'complete' && s.participant_id === 0);
    }, { timeoutMs: 30000, what: 'the recording\'s files listed' }).catch((err) => {
      const summary = listed && {
        recordings: listed.recordings?.map((r) => [r.id, r.state, r.files, r.last_error]),
        segments: listed.segments?.map((s) => [s.recording_id, s.user_id, s.site_id, s.kind, s.codec, s.state, s.duration_ms]),
      };
      throw new Error(`${err.message}: ${JSON.stringify(summary)}`);
    });

    // A member's camera (the web client sends simulcast; the recording follows the highest
    // layer that flows).
    const files = listed.segments.filter((f) => f.state === 'complete' && f.user_id !== null);
    const file = files.find((f) => f.kind === 'video');
    assert.ok(file, `a member's video was recorded: ${JSON.stringify(files.map((f) => [f.user_id, f.kind, f.codec]))}`);
    const owner = pg.psql(db.name, `SELECT full_name FROM users WHERE id = ${Number(file.user_id)}`).trim();

    await chair.goto(url(meetingHash()));
    await chair.getByTestId('archive-link').click();
    await chair.getByTestId('archive-run').first().waitFor();
    // Tracks by name, and the marks of the sitting (the first item, a speaker, the vote).
    const track = chair.getByTestId('archive-track').filter({ hasText: owner }).filter({ hasText: file.kind === 'video' ? /Hình/ : /Tiếng/ }).first();
    await track.waitFor();
    await chair.getByTestId('archive-mark').filter({ hasText: ITEMS[0] }).first().waitFor();
    await chair.getByTestId('archive-mark').filter({ hasText: memberNames[MEMBERS[0]] }).first().waitFor();
    await track.getByTestId('archive-play').first().click();
    const player = chair.getByTestId('archive-player').first();
    await player.waitFor();
    const type = await chair.evaluate(async (src) => (await fetch(src, { headers: { Range: 'bytes=0-15' } })).headers.get('content-type'),
      await player.getAttribute('src'));
    assert.match(type ?? '', /^(video|audio)\/(webm|x-matroska)/, 'the file\'s content type');
    await player.evaluate((v) => { v.muted = true; return v.play(); });
    await waitFor(async () => (await player.evaluate((v) => v.currentTime)) > 0.5, { timeoutMs: 20000, what: 'the recorded file playing' });
    assert.equal(await player.evaluate((v) => v.error), null);

    // A mark loads the track's file that covers it (or the nearest) and plays.
    await chair.getByTestId('archive-mark').filter({ hasText: memberNames[MEMBERS[0]] }).first().click();
    await waitFor(async () => (await chair.getByTestId('archive-player').first().evaluate((v) => v.currentTime > 0 && v.error === null)), { timeoutMs: 20000, what: 'playing from the mark' });

    // The composite program kept with the recording (H.264 + AAC in Matroska) plays too.
    const program = chair.getByTestId('archive-track').filter({ hasText: 'Hình tổng hợp' }).first();
    await program.waitFor();
    await program.getByTestId('archive-play').first().click();
    const programFile = listed.segments.find((s) => s.participant_id === 0 && s.seq === 0);
    const programPlayer = chair.getByTestId('archive-player').first();
    await waitFor(async () => programPlayer.evaluate((v, id) => v.currentSrc.endsWith(`/recording-files/${id}`), programFile.id),
      { timeoutMs: 10000, what: 'the player given the program\'s first file' });
    await programPlayer.evaluate((v) => { v.muted = true; return v.play(); });
    await waitFor(async () => programPlayer.evaluate((v) => v.currentTime > 0.5 && v.videoWidth > 0 && v.error === null),
      { timeoutMs: 20000, what: 'the program\'s file playing' });
    await screen('archive', chair);
  });

  test('every screen meets the contrast, naming and touch-target checks', async (t) => {
    if (skipReason) return t.skip(skipReason);
    for (const c of checks) {
      assert.deepEqual(c.contrast, [], `${c.name}: text below WCAG AA contrast`);
      assert.deepEqual(c.unnamed, [], `${c.name}: controls without an accessible name`);
      assert.deepEqual(c.small, [], `${c.name}: touch targets under 44 px`);
    }
  });
});
