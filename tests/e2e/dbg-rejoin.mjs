import { chromium } from 'playwright-core';
import path from 'node:path';
import { Postgres, Server, tmpDir, rmrf, sleep } from '../common/harness.mjs';
const ARGS = ['--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync','--use-fake-ui-for-media-stream','--use-fake-device-for-media-stream','--allow-loopback-in-peer-connection'];
const pg = new Postgres(); const db = pg.createDatabase();
const server = await Server.start({ db, config: { media: { addresses: '127.0.0.1', stats_interval_ms: 500 }, log: { level: 'debug' } }, env: { G_MESSAGES_DEBUG: 'phonghop-media' } });
const sql = (t) => pg.psql(db.name, t).trim();
const council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
const m = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public, opened_at) VALUES (${council}, 'x', 'regular', 'open', now(), 'H', true, now()) RETURNING id`).split('\n')[0]);
const browsers = [];
const enter = (b) => b.page.evaluate(async (m) => {
  if (!window.ph) { window.ph = new PhMedia(m); await ph.connect(); }
  const j = await ph.join(); await ph.publish({ width: 320, height: 180 }); await ph.subscribe(); return j.participant_id; }, m);
try {
  for (const u of ['chutich', 'daibieu03', 'daibieu04']) {
    const dir = tmpDir('phonghop-chromium-');
    const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
    const page = ctx.pages()[0] || await ctx.newPage();
    await page.goto(server.url + '/healthz');
    await page.addScriptTag({ path: path.resolve('e2e/media-client.js') });
    await page.evaluate(async (u) => fetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: u, password: 'phonghop-demo' }) }), u);
    const b = { ctx, page, dir, u }; browsers.push(b);
    console.log(u, await enter(b));
  }
  const show = async () => { for (const b of browsers) { const s = await b.page.evaluate(() => ph.summary()); console.log(b.u, JSON.stringify(Object.fromEntries(Object.entries(s.receiving).map(([k, v]) => [k, v.framesDecoded]))), await b.page.evaluate(() => ph.offers)); } };
  await sleep(3000); await show();
  console.log('leave', await browsers[2].page.evaluate(() => ph.leave()));
  await sleep(2000); await show();
  console.log('rejoin', await enter(browsers[2]));
  for (let i = 0; i < 5; i++) { await sleep(1500); await show();
    console.log('counters', JSON.stringify(await browsers[0].page.evaluate(() => { const st = ph.events.filter((m) => m.type === 'media.stats').pop(); ph.events = ph.events.filter((m) => m.type !== 'media.stats'); return st && [st.counters, st.peers.map((p) => [p.participant_id, p.rx_bitrate_bps, p.tx_bitrate_bps, p.layer])]; }))); }
  console.log('view', await browsers[0].page.evaluate(() => ph.view(8, 320, 180)));
  for (let i = 0; i < 3; i++) { await sleep(1500); await show(); }
  for (let i = 0; i < 3; i++) { for (const b of browsers) console.log(JSON.stringify((await b.page.evaluate(() => ph.debugReceiving())).inbound.slice(-1))); await sleep(1000); }
  console.log(await browsers[0].page.evaluate(() => ph.sub.remoteDescription.sdp.split('\r\n').filter((l) => /^a=(ssrc|mid|sendonly|inactive|recvonly)|^m=/.test(l)).join('\n')));
} catch (e) { console.log('ERR', e); }
finally {
  for (const b of browsers) { await b.ctx.close(); rmrf(b.dir); }
  console.log(server.log.split('\n').filter(l => /media/i.test(l) && !/candidate|ICE |DTLS|layer . -> ./.test(l)).slice(-70).join('\n'));
  await server.destroy(); pg.destroy();
}
