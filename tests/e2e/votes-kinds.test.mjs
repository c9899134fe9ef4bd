// Votes beyond motions, in real browsers (Debian's Chromium) against the real phonghop and a real
// PostgreSQL: a small commune council (four members, the chair among them) in an open sitting.
//
//   the chair prepares an election of one seat with two candidates on the console (one from the
//   roster, one typed), opens it; three members check in and fill in the ballot on their
//   tablets (a second candidate for one seat is refused on screen; a secret ballot asks for one
//   confirmation), each sees "recorded" only after the server's vote.recorded; the chair closes
//   it and every page shows the same result with the law's wording ("trúng cử");
//   then a confidence vote (lấy phiếu tín nhiệm) with two officials and the law's three levels,
//   one member leaving a row blank; the result names the band of each official, as the law
//   counts it (two thirds or more "tín nhiệm thấp": dismissal proposed);
//   then the secretariat sets the tally committee and a no-confidence vote on paper is counted
//   by its head in their own room (issued, returned, valid, invalid ballots, the minutes);
//   last, the chair sets the speaking time of a speech, gives the floor to a member who did not
//   ask, and extends the turn; an invitation reaches a member's notifications and is read;
//   the secretariat adds a sitting, uploads a document and its second version (history), asks
//   the members in writing with a deadline (a member answers once, the results name it), and
//   after the close records a dated correction.
//
// Screenshots of the ballots and results go to tests/artifacts/screenshots/ (vote-*); every
// screen is checked for contrast, unnamed controls and touch targets like meeting-flow.
import { describe, test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_PASSWORD, Postgres, Server, sourceDir, tmpDir, rmrf, waitFor } from '../common/harness.mjs';
import { makeBody } from '../common/votes-fixture.mjs';
import { chromiumAvailable, contrastProblems, diagnosedTest, launchUser, login, makePdf, screenshotSizes, smallTargets, unnamedControls, writeStallReport } from './browser.mjs';

const SHOTS = path.join(sourceDir, 'tests', 'artifacts', 'screenshots');
const webSource = path.join(sourceDir, 'web-client');
const MEMBERS = ['xa0002', 'xa0003', 'xa0004'];

let pg, db, server, webRoot, builtHere = false, fixture;
let skipReason = null;
const people = {};
const test = diagnosedTest(nodeTest, people, () => server);
const checks = [];

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

async function screen(name, page, options = {}) {
  await screenshotSizes(page, SHOTS, name, options);
  checks.push({ name, contrast: await contrastProblems(page), unnamed: await unnamedControls(page), small: await smallTargets(page) });
}

const url = (hash) => `${server.url}/#${hash}`;
const meetingHash = (page) => `/bodies/${fixture.body}/meetings/${fixture.meeting}/${page}`;

async function pollsNow() {
  const c = server.client();
  await c.login('xa0001');
  const r = await c.request('GET', `/api/v1/meetings/${fixture.meeting}/polls`);
  assert.equal(r.status, 200, r.text);
  return r.data.polls;
}

// Every page shows the server's wording of the result, line for line.
async function sameWordingEverywhere(pollId) {
  const poll = (await pollsNow()).find((p) => p.id === pollId);
  assert.equal(poll.state, 'closed');
  const wording = poll.wording.vi.join('\n');
  for (const page of [people.chair.page, ...MEMBERS.map((m) => people[m].page)]) {
    const shown = page.getByTestId('vote-wording').first();
    await shown.waitFor({ timeout: 20000 });
    await page.waitForFunction((text) => [...document.querySelectorAll('[data-testid=vote-wording]')].some((e) => [...e.querySelectorAll('p')].map((p) => p.textContent).join('\n') === text), wording, { timeout: 20000 });
  }
  return poll;
}

before(async () => {
  if (!chromiumAvailable()) { skipReason = 'no /usr/bin/chromium'; return; }
  webRoot = buildWebClient();
  if (!webRoot) { skipReason = 'the web client is not built and cannot be'; return; }
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({
    db,
    config: { server: { web_root: webRoot, profile: 'isolated' }, media: { addresses: '127.0.0.1' } },
  });
  // Not public: an open public meeting starts the public live stream (a composite encoder),
  // which this test does not need and the shared machine's CPU cannot spare.
  fixture = makeBody(pg, db, { name: 'HĐND xã Thử Nghiệm', prefix: 'xa', members: 4, level: 'commune', isPublic: false });
  fs.mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  for (const person of Object.values(people)) await person.close();
  if (server) console.log(await writeStallReport(server));
  await server?.destroy();
  pg?.destroy();
  if (builtHere && webRoot) rmrf(webRoot);
  for (const c of checks) {
    const issues = c.contrast.length + c.unnamed.length + c.small.length;
    console.log(`# ${c.name}: ${issues === 0 ? 'contrast, names and touch targets fine' : JSON.stringify(c)}`);
  }
});

describe('votes beyond motions, the chair\'s floor tools, notifications and the secretariat\'s desk in real browsers', () => {
  test('the chair and three members come in; the members check in', async (t) => {
    if (skipReason) return t.skip(skipReason);
    // No camera: these pages need no video, and the machine's CPU is better spent elsewhere.
    const chair = people.chair = await launchUser('chair', { camera: false });
    await login(chair, server.url, 'xa0001', DEMO_PASSWORD);
    await chair.page.goto(url(meetingHash('chair')));
    await chair.page.getByTestId('meeting-status').filter({ hasText: 'Đang họp' }).waitFor({ timeout: 90000 });
    for (const username of MEMBERS) {
      const member = people[username] = await launchUser(username, { camera: false });
      await login(member, server.url, username, DEMO_PASSWORD);
      await member.page.goto(url(meetingHash('room')));
      // The first load of a room on a machine shared with other tests can take a while.
      await member.page.getByRole('button', { name: 'Điểm danh', exact: true }).waitFor({ timeout: 90000 });
      await member.page.getByRole('button', { name: 'Điểm danh', exact: true }).click();
      await member.page.getByTestId('checked-in').waitFor();
    }
  });

  test('an election: candidates, one seat, secret ballots, the law\'s count', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const chair = people.chair.page;
    await chair.getByTestId('poll-subject').selectOption({ label: 'Bầu chức danh' });
    await chair.getByTestId('poll-title-input').fill('Bầu Chủ tịch Ủy ban nhân dân xã');
    // Nothing is sent before the list has someone on it.
    await chair.getByTestId('poll-create').click();
    await chair.getByTestId('poll-draft-problem').filter({ hasText: 'Vui lòng thêm ít nhất một người ứng cử.' }).waitFor();
    await chair.getByTestId('poll-row-member').selectOption({ label: 'Đại biểu 4' });
    await chair.getByTestId('poll-row-add-member').click();
    await chair.getByTestId('poll-row-name').fill('Trần Thị Bình');
    await chair.getByTestId('poll-row-add').click();
    await chair.getByTestId('poll-rows').locator('li').nth(1).waitFor();
    await screen('vote-election-prepare', chair, { sizes: ['tablet'], show: '.vote-control' });
    await chair.getByTestId('poll-create').click();
    await chair.getByTestId('poll-open').click();
    await chair.getByTestId('poll-cast').filter({ hasText: 'Đã biểu quyết: 0/4 đại biểu' }).waitFor();

    const plan = { xa0002: 1, xa0003: 1, xa0004: 1 };
    for (const [username, position] of Object.entries(plan)) {
      const { page } = people[username];
      await page.getByTestId(`candidate-${position}`).waitFor();
      if (username === 'xa0002') {
        // One seat: a second candidate is refused on screen, the ballot stays as it was.
        await page.getByTestId('candidate-2').click();
        await page.getByTestId('candidate-1').click();
        await page.getByText('Bạn đã chọn đủ 1 người.', { exact: false }).waitFor();
        assert.equal(await page.getByTestId('candidate-1').getAttribute('aria-pressed'), 'false');
        await page.getByTestId('candidate-2').click(); // undo
        await screen('vote-election-ballot', page, { show: '[data-testid=vote-panel]' });
      }
      await page.getByTestId(`candidate-${position}`).click();
      assert.equal(await page.getByTestId(`candidate-${position}`).getAttribute('aria-pressed'), 'true');
      await page.getByTestId('ballot-send').click();
      // A secret ballot cannot be changed: one confirmation first, nothing sent before it.
      await page.getByText('Phiếu kín không sửa được sau khi gửi.', { exact: false }).waitFor();
      await page.getByTestId('ballot-confirm').click();
      await page.getByTestId('vote-recorded').waitFor();
    }
    await chair.getByTestId('poll-cast').filter({ hasText: '3/4' }).waitFor();
    await chair.getByTestId('poll-close').click();
    const election = (await pollsNow()).find((p) => p.subject === 'election');
    const closed = await sameWordingEverywhere(election.id);
    assert.equal(closed.result.status, 'complete');
    // More than half of all four members: three votes elect.
    assert.deepEqual(closed.result.candidates.map((c) => [c.name, c.votes, c.outcome]), [
      ['Đại biểu 4', 3, 'elected'], ['Trần Thị Bình', 0, 'not_elected'],
    ]);
    assert.match(closed.wording.vi.join('\n'), /Đại biểu 4: 3\/4 phiếu, chiếm 75,00% tổng số đại biểu, trúng cử/);
    const member = people.xa0002.page;
    await member.getByTestId('election-result').getByRole('row', { name: /Đại biểu 4/ }).filter({ hasText: 'Trúng cử' }).waitFor();
    await member.getByTestId('vote-result').filter({ hasText: 'Đã bầu đủ số người' }).first().waitFor();
    await screen('vote-election-result', member, { show: '[data-testid=vote-panel]' });
  });

  test('a confidence vote: one row per official, three levels, the band as the law counts it', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const chair = people.chair.page;
    await chair.getByTestId('poll-subject').selectOption({ label: 'Lấy phiếu tín nhiệm' });
    await chair.getByTestId('poll-title-input').fill('Lấy phiếu tín nhiệm đối với người giữ chức vụ do HĐND xã bầu');
    await chair.getByTestId('poll-row-name').fill('Phạm Văn Dũng (Chủ tịch UBND xã)');
    await chair.getByTestId('poll-row-add').click();
    await chair.getByTestId('poll-row-name').fill('Võ Thị Em (Phó Chủ tịch UBND xã)');
    await chair.getByTestId('poll-row-add').click();
    await chair.getByTestId('poll-rows').locator('li').nth(1).waitFor();
    await chair.getByTestId('poll-create').click();
    await chair.getByTestId('poll-open').click();
    await chair.getByTestId('poll-cast').filter({ hasText: 'Đã biểu quyết: 0/4 đại biểu' }).waitFor();

    const plan = { xa0002: { 1: 'high', 2: 'low' }, xa0003: { 1: 'medium', 2: 'low' }, xa0004: { 2: 'low' } };
    for (const [username, levels] of Object.entries(plan)) {
      const { page } = people[username];
      await page.getByTestId('level-1-high').waitFor();
      for (const [position, level] of Object.entries(levels)) await page.getByTestId(`level-${position}-${level}`).click();
      assert.equal(await page.getByTestId('level-2-low').getAttribute('aria-checked'), 'true');
      if (username === 'xa0004') {
        // A row left without a level stays blank on the ballot, and the member is told so.
        await page.getByTestId('ballot-blank').filter({ hasText: 'Còn 1 dòng chưa chọn' }).waitFor();
        await screen('vote-confidence-ballot', page, { show: '[data-testid=vote-panel]' });
      }
      await page.getByTestId('ballot-send').click();
      await page.getByTestId('ballot-confirm').click();
      await page.getByTestId('vote-recorded').waitFor();
    }
    await chair.getByTestId('poll-cast').filter({ hasText: '3/4' }).waitFor();
    await chair.getByTestId('poll-close').click();
    const confidence = (await pollsNow()).find((p) => p.subject === 'confidence');
    const closed = await sameWordingEverywhere(confidence.id);
    assert.deepEqual(closed.result.rows.map((r) => [r.high, r.medium, r.low, r.band]), [[1, 1, 0, 'no_action'], [0, 0, 3, 'dismissal']]);
    assert.match(closed.wording.vi.join('\n'), /Võ Thị Em \(Phó Chủ tịch UBND xã\) có từ hai phần ba tổng số đại biểu trở lên đánh giá tín nhiệm thấp: đề nghị miễn nhiệm/);
    for (const page of [chair, people.xa0003.page]) {
      await page.getByTestId('confidence-result').getByRole('row', { name: /Võ Thị Em/ }).filter({ hasText: 'Đề nghị miễn nhiệm' }).waitFor();
    }
    await screen('vote-confidence-result', people.xa0003.page, { show: '[data-testid=vote-panel]' });
    await screen('vote-chair-results', chair, { sizes: ['tablet'], show: '.vote-control' });
  });

  test('a no-confidence vote on paper: the tally committee enters the counts, the law counts them', async (t) => {
    if (skipReason) return t.skip(skipReason);
    // The secretariat sets the tally committee (at least three in a commune) from the desk.
    const sec = people.secretariat = await launchUser('secretariat', { camera: false });
    await login(sec, server.url, 'xa-thuky', DEMO_PASSWORD);
    await sec.page.goto(url(meetingHash('prepare')));
    await sec.page.getByTestId('tally-edit').click();
    const [head, ...others] = fixture.memberIds.slice(1, 4);
    await sec.page.getByTestId(`tally-member-${head}`).check();
    await sec.page.getByTestId('tally-save').click();
    await sec.page.getByText('Ban kiểm phiếu cần ít nhất 3 thành viên.').waitFor();
    for (const id of others) await sec.page.getByTestId(`tally-member-${id}`).check();
    await sec.page.getByTestId('tally-head').selectOption(String(head));
    await sec.page.getByTestId('tally-save').click();
    await sec.page.getByText('Trưởng ban: Đại biểu 2').waitFor();
    await screen('vote-tally-committee', sec.page, { sizes: ['tablet'], show: '[data-testid=tally-committee]' });

    const chair = people.chair.page;
    await chair.getByTestId('poll-subject').selectOption({ label: 'Bỏ phiếu tín nhiệm' });
    await chair.getByTestId('poll-form').selectOption({ label: 'Bỏ phiếu kín bằng phiếu giấy' });
    await chair.getByTestId('poll-title-input').fill('Bỏ phiếu tín nhiệm đối với Phó Chủ tịch UBND xã');
    await chair.getByTestId('poll-row-name').fill('Võ Thị Em (Phó Chủ tịch UBND xã)');
    await chair.getByTestId('poll-row-add').click();
    await chair.getByTestId('poll-create').click();
    await chair.getByTestId('poll-open').click();
    await chair.getByText('Kết quả do Ban kiểm phiếu nhập; sau đó chủ tọa kết thúc.').waitFor();

    // The head of the committee counts in their own room; the arithmetic is checked first.
    const counter = people.xa0002.page;
    const entry = counter.getByTestId('counts-entry');
    await entry.waitFor();
    await entry.getByTestId('count-ballots-issued').fill('3');
    await entry.getByTestId('count-ballots-returned').fill('3');
    await entry.getByTestId('count-ballots-valid').fill('3');
    await entry.getByTestId('count-ballots-invalid').fill('1');
    await entry.getByTestId('count-1-confidence').fill('0');
    await entry.getByTestId('count-1-no_confidence').fill('3');
    await entry.getByTestId('counts-save').click();
    await entry.getByText('Số phiếu hợp lệ (3) cộng số phiếu không hợp lệ (1) phải bằng số phiếu thu vào (3).').waitFor();
    await entry.getByTestId('count-ballots-invalid').fill('0');
    await entry.locator('textarea').fill('Biên bản kiểm phiếu: 3 phiếu phát ra, 3 phiếu thu vào, 3 phiếu hợp lệ.');
    await screen('vote-paper-counts', counter, { sizes: ['tablet'], show: '[data-testid=counts-entry]' });
    await entry.getByTestId('counts-save').click();
    await entry.getByText('Đã lưu kết quả.', { exact: false }).waitFor();

    await chair.getByTestId('poll-close').click();
    const paper = (await pollsNow()).find((p) => p.subject === 'no_confidence');
    const closed = await sameWordingEverywhere(paper.id);
    assert.deepEqual(closed.result.rows.map((r) => [r.confidence, r.no_confidence, r.lost]), [[0, 3, true]]);
    assert.deepEqual(closed.wording.vi.slice(0, 4), ['Số phiếu phát ra: 3', 'Số phiếu thu vào: 3', 'Số phiếu hợp lệ: 3', 'Số phiếu không hợp lệ: 0']);
    await people.xa0004.page.getByTestId('paper-ballots').first().waitFor();
    await people.xa0004.page.getByTestId('confidence-result').getByRole('row', { name: /Võ Thị Em/ }).filter({ hasText: 'từ chức hoặc bị miễn nhiệm' }).waitFor();
    await screen('vote-paper-result', people.xa0004.page, { show: '[data-testid=vote-panel]' });
  });

  test('the chair sets the speaking time, gives the floor unasked and extends the turn', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const chair = people.chair.page;
    await chair.getByText('Thời gian phát biểu theo loại').click();
    await chair.getByTestId('limit-speech').fill('5');
    await chair.getByTestId('warning-speech').fill('300');
    await chair.getByTestId('limits-save').click();
    await chair.getByText('Phát biểu: nhắc trước (300 giây) phải ngắn hơn thời gian phát biểu (300 giây).').waitFor();
    await chair.getByTestId('warning-speech').fill('30');
    await chair.getByTestId('limits-save').click();
    await chair.getByText('Đã lưu thời gian phát biểu.').waitFor();

    await chair.getByTestId('give-person').selectOption({ label: 'Đại biểu 3' });
    await chair.getByTestId('give-floor').click();
    const member = people.xa0003.page;
    await member.getByTestId('you-speak').waitFor();
    for (const page of [people.xa0002.page, people.xa0004.page]) {
      await page.getByTestId('speaker-name').filter({ hasText: 'Đại biểu 3' }).waitFor();
    }
    const c = server.client();
    await c.login('xa0001');
    const before = (await c.request('GET', `/api/v1/meetings/${fixture.meeting}/floor`)).data.floor.speaker;
    assert.equal(before.limit_ms, 300000, 'the new limit for a speech');
    await chair.getByTestId('extend-minutes').fill('2');
    await chair.getByTestId('extend-turn').click();
    await waitFor(async () => (await c.request('GET', `/api/v1/meetings/${fixture.meeting}/floor`)).data.floor.speaker?.limit_ms === 420000, { what: 'the turn extended by two minutes' });
    await screen('chair-floor-tools', chair, { sizes: ['tablet'], show: '.floor-tools' });
    await chair.getByRole('button', { name: 'Dừng phát biểu' }).click();
    await member.getByTestId('you-speak').waitFor({ state: 'detached' });
  });

  test('notifications: an invitation arrives, is opened and is read', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const c = server.client();
    await c.login('xa-thuky');
    const invited = await c.request('POST', `/api/v1/meetings/${fixture.meeting}/invitations`, { json: { all_members: true } });
    assert.equal(invited.status, 201, invited.text);
    const { page } = people.xa0002;
    await page.goto(url('/notifications'));
    await page.getByTestId('notification').first().waitFor();
    assert.equal(await page.getByTestId('notification').count(), 1);
    await page.getByTestId('unread-count').filter({ hasText: '1 thông báo chưa đọc' }).waitFor();
    await page.getByTestId('notifications-link').filter({ hasText: '1' }).waitFor();
    await screen('notifications', page);
    await page.getByRole('button', { name: 'Xem cuộc họp' }).click();
    await page.waitForURL(new RegExp(`/meetings/${fixture.meeting}$`));
    await page.goto(url('/notifications'));
    await page.locator('[data-testid=notification][data-read=yes]').waitFor();
    await page.getByTestId('unread-count').filter({ hasText: '0 thông báo chưa đọc' }).waitFor();
  });

  test("the secretariat's desk: a sitting, a document's versions, a written consultation, a correction after the close", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const { page } = people.secretariat;
    await page.goto(url(meetingHash('prepare')));
    await page.getByTestId('sitting-title').fill('Phiên khai mạc');
    await page.getByTestId('sitting-add').click();
    await page.getByTestId('sitting').filter({ hasText: 'Phiên thứ 1: Phiên khai mạc' }).waitFor();

    // A document, released, then a second version with its history.
    const dir = tmpDir('phonghop-pdf-');
    const first = path.join(dir, 'du-thao-v1.pdf');
    const second = path.join(dir, 'du-thao-v2.pdf');
    fs.writeFileSync(first, makePdf('Du thao nghi quyet - ban 1'));
    fs.writeFileSync(second, makePdf('Du thao nghi quyet - ban 2'));
    await page.getByTestId('upload-file').setInputFiles(first);
    await page.getByTestId('upload-title').fill('Dự thảo Nghị quyết về kế hoạch đầu tư công');
    await page.getByTestId('upload-submit').click();
    await page.locator('[data-testid=upload-job][data-phase=done]').waitFor({ timeout: 20000 });
    await page.getByTestId('release').click();
    await page.getByTestId('released').waitFor();
    await page.getByTestId('versions-toggle').click();
    await page.getByTestId('version-file').setInputFiles(second);
    await page.getByTestId('version-upload').click();
    await page.getByTestId('version-row').nth(1).waitFor();
    assert.match(await page.getByTestId('version-row').first().textContent(), /du-thao-v2\.pdf.*Chưa phát hành/);
    assert.match(await page.getByTestId('version-row').nth(1).textContent(), /du-thao-v1\.pdf.*Đã phát hành/);
    await screen('desk-versions', page, { sizes: ['tablet'], show: '[data-testid=versions]' });
    fs.rmSync(dir, { recursive: true, force: true });

    // A written consultation with a deadline; a member answers once in their room.
    await page.getByTestId('consult-toggle').click();
    await page.getByTestId('consultation-create').click();
    await page.getByText('Vui lòng nhập nội dung xin ý kiến.').waitFor();
    await page.getByTestId('consultation-question').fill('Đại biểu cho ý kiến về dự thảo Nghị quyết.');
    await page.getByTestId('consultation-deadline').fill('2030-01-15T17:00');
    await page.getByTestId('consultation-create').click();
    await page.getByTestId('consultation').first().waitFor();
    const member = people.xa0003.page;
    const answers = member.getByTestId('consultation-answers');
    await answers.waitFor({ timeout: 20000 });
    await answers.getByTestId('consult-other').click();
    await answers.getByTestId('consult-send').click();
    await answers.getByText('Vui lòng ghi rõ ý kiến khác của bạn.').waitFor();
    await answers.locator('textarea').fill('Đề nghị bổ sung nguồn vốn cho từng dự án.');
    await answers.getByTestId('consult-send').click();
    await answers.getByTestId('consultation-my-answer').filter({ hasText: 'Bạn đã trả lời: Ý kiến khác' }).waitFor();
    await screen('room-consultation', member, { sizes: ['tablet'], show: '[data-testid=consultation-answers]' });
    await page.getByTestId('consultation-results').click();
    await page.getByTestId('consultations').getByText('Đề nghị bổ sung nguồn vốn cho từng dự án.').waitFor();
    await screen('desk-consultation', page, { sizes: ['tablet'], show: '[data-testid=consultations]' });

    // Closed: nothing is edited any more; a correction is a new dated entry.
    const chair = people.chair.page;
    await chair.getByRole('button', { name: 'Bế mạc phiên họp' }).click();
    await chair.getByRole('button', { name: 'Bế mạc phiên họp' }).click();
    await chair.getByTestId('meeting-status').filter({ hasText: 'Đã kết thúc' }).waitFor();
    await page.getByTestId('correction-text').waitFor({ timeout: 20000 });
    await page.getByTestId('correction-text').fill('Đính chính: kết quả bầu cử ghi tại biên bản trang 3.');
    await page.getByTestId('correction-add').click();
    await page.getByTestId('correction').filter({ hasText: 'Đính chính: kết quả bầu cử' }).waitFor();
    await screen('desk-corrections', page, { sizes: ['tablet'], show: '[data-testid=corrections]' });
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
