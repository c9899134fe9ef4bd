// The public page plays the live stream in a real browser: Debian's headless Chromium opens
// /public/MEETING of an open public meeting, anonymous, and its <video> plays the server's HLS
// (/live/MEETING/index.m3u8) with the browser's own HLS support (and, for a browser without it,
// through hls.js). Asserted:
// the page waits while the meeting is not streamed and starts by itself; the video advances
// and shows the program (the title bar across the top, read back from a canvas); a closed item
// (họp kín) turns the picture into the slate, and a public one brings the program back.
// Screenshot in tests/artifacts/screenshots/public-live-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, sourceDir, tmpDir, rmrf } from '../common/harness.mjs';
import { chromiumAvailable, launchUser, SIZES } from './browser.mjs';

const webSource = path.join(sourceDir, 'web-client');
const SHOTS = path.join(sourceDir, 'tests', 'artifacts', 'screenshots');
let pg, db, server, meeting, items, webRoot, builtHere = false, skipReason = null, visitor;

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

const sql = (text) => pg.psql(db.name, text).trim();

before(async () => {
  if (!chromiumAvailable()) { skipReason = 'no /usr/bin/chromium'; return; }
  webRoot = buildWebClient();
  if (!webRoot) { skipReason = 'the web client is not built and cannot be (no web-client/node_modules)'; return; }
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({
    db,
    config: { server: { web_root: webRoot, profile: 'isolated' }, media: { addresses: '127.0.0.1', live_height: 360, live_fps: 10 } },
  });
  const council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
  meeting = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public)
    VALUES (${council}, 'Kỳ họp thứ Mười một', 'regular', 'scheduled', now(), 'Hội trường tỉnh', true) RETURNING id`).split('\n')[0]);
  items = sql(`INSERT INTO agenda_items (meeting_id, position, title, is_public) VALUES
    (${meeting}, 1, 'Báo cáo kinh tế - xã hội', true), (${meeting}, 2, 'Công tác cán bộ', false) RETURNING id`)
    .split('\n').map(Number);
  fs.mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await visitor?.close();
  await server?.destroy();
  pg?.destroy();
  if (builtHere) rmrf(webRoot);
});

// The colour share of the video's current frame, read back through a canvas (same origin).
async function frameShares(page) {
  return page.evaluate(() => {
    const v = document.querySelector('[data-testid="live-video"]');
    if (!v || v.readyState < 2 || !v.videoWidth) return null;
    const c = document.createElement('canvas');
    c.width = 64; c.height = 36;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0, 64, 36);
    const d = g.getImageData(0, 0, 64, 36).data;
    const near = (i, rgb, tol = 60) => Math.abs(d[i] - (rgb >> 16)) + Math.abs(d[i + 1] - ((rgb >> 8) & 255)) + Math.abs(d[i + 2] - (rgb & 255)) < tol;
    let bar = 0, slate = 0;
    for (let y = 0; y < 36; y++) for (let x = 0; x < 64; x++) {
      const i = (y * 64 + x) * 4;
      if (y < 3 && near(i, 0x0b2e59)) bar++;
      if (near(i, 0x6a1010)) slate++;
    }
    return { bar: bar / (3 * 64), slate: slate / (64 * 36), width: v.videoWidth, time: v.currentTime, paused: v.paused };
  });
}

async function waitShares(page, ok, what, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < end) {
    last = await frameShares(page);
    if (last && ok(last)) return last;
    await page.waitForTimeout(500);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)}; ${visitor.log.join(' | ')})`);
}

test('the public page plays the live stream, and a closed item shows the slate', async (t) => {
  if (skipReason) { t.skip(skipReason); return; }
  visitor = await launchUser('public-live', { size: SIZES.tablet, camera: false });
  const { page } = visitor;
  await page.goto(`${server.url}/#/public/${meeting}`);
  // not open yet: the page says the stream will come
  await page.getByTestId('live-waiting').waitFor({ timeout: 15000 });

  // The chair opens the sitting on the first (public) item.
  const chair = server.client();
  assert.equal((await chair.login('chutich')).status, 200);
  let r = await chair.post(`/api/v1/meetings/${meeting}/open`, {});
  assert.equal(r.status, 200, r.text);
  r = await chair.post(`/api/v1/meetings/${meeting}/agenda/current`, { item_id: items[0] });
  assert.equal(r.status, 200, r.text);

  // the page finds the stream by itself and plays it
  const playing = await waitShares(page, (s) => s.time > 1 && s.bar > 0.3, 'the program playing', 90000);
  assert.equal(playing.width, 640);
  assert.ok(playing.slate < 0.05, 'no slate on a public item');
  await page.screenshot({ path: path.join(SHOTS, 'public-live-program.png') });

  // a closed item (họp kín): the slate, then the program again
  r = await chair.post(`/api/v1/meetings/${meeting}/agenda/current`, { item_id: items[1] });
  assert.equal(r.status, 200, r.text);
  await waitShares(page, (s) => s.slate > 0.6, 'the slate in the browser');
  await page.screenshot({ path: path.join(SHOTS, 'public-live-slate.png') });
  r = await chair.post(`/api/v1/meetings/${meeting}/agenda/current`, { item_id: items[0] });
  assert.equal(r.status, 200, r.text);
  await waitShares(page, (s) => s.slate < 0.05 && s.bar > 0.3, 'the program after the closed item');
  assert.deepEqual(visitor.log.filter((l) => l.startsWith('pageerror')), []);
});

// A browser without native HLS (Firefox) plays the stream through hls.js: the same Chromium with
// its native HLS hidden from the page (canPlayType answers '' for HLS), as Firefox answers.
test('a browser without native HLS plays the stream through hls.js', async (t) => {
  if (skipReason) { t.skip(skipReason); return; }
  const other = await launchUser('public-live-hlsjs', { size: SIZES.phone ?? SIZES.tablet, camera: false });
  try {
    await other.context.addInitScript(() => {
      const real = HTMLMediaElement.prototype.canPlayType;
      HTMLMediaElement.prototype.canPlayType = function (type) {
        return /mpegurl/i.test(type) ? '' : real.call(this, type);
      };
    });
    const { page } = other;
    await page.goto(`${server.url}/#/public/${meeting}`);
    await page.locator('[data-player="hls.js"]').waitFor({ timeout: 60000 });
    const end = Date.now() + 90000;
    let last = null;
    while (Date.now() < end) {
      last = await page.evaluate(() => {
        const v = document.querySelector('[data-testid="live-video"]');
        return v && { time: v.currentTime, width: v.videoWidth, src: v.currentSrc, error: v.error && v.error.code };
      });
      if (last && last.time > 2 && last.width === 640) break;
      await page.waitForTimeout(500);
    }
    assert.ok(last && last.time > 2 && last.width === 640, `hls.js playing: ${JSON.stringify(last)} ${other.log.join(' | ')}`);
    assert.match(last.src, /^blob:/, 'played through Media Source Extensions');
    assert.deepEqual(other.log.filter((l) => l.startsWith('pageerror')), []);
  } finally {
    await other.close();
  }
});
