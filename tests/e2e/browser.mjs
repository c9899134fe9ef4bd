// Real browsers for the e2e tests: Debian's Chromium driven by playwright-core, launched exactly
// as docs TESTING.md says (a persistent context per user in a fresh directory, headless, fake
// camera and microphone). Never downloads a browser.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.PHONGHOP_CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection',
];

export const SIZES = {
  tablet: { width: 1024, height: 768 },
  hall: { width: 1920, height: 1080 },
  phone: { width: 390, height: 844 },
};

export function chromiumAvailable() {
  return fs.existsSync(CHROMIUM);
}

// One person's browser: its own profile directory, so cookies and storage are theirs alone.
// `camera: false` leaves out the fake camera and microphone (a page that needs no video, on a
// machine that has little CPU to spare): getUserMedia then finds no device.
export async function launchUser(name, { size = SIZES.tablet, locale = 'vi-VN', camera = true } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `phonghop-e2e-${name}-`));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: camera ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((arg) => arg !== '--use-fake-device-for-media-stream'),
    viewport: size,
    locale,
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const log = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  return {
    name, context, page, log,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A browser for the media tests: a persistent Chromium in its own profile under `dir`, with the
// fake devices plus `extraArgs` (a capture file, say), on a page of the server's origin (so the
// session cookie and /ws are same-origin) with media-client.js added, signed in as `username`
// through the API. Returns { ctx, page }.
export async function launchSignedIn(baseUrl, dir, username, extraArgs = []) {
  const ctx = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  await page.goto(`${baseUrl}/healthz`);
  await page.addScriptTag({ path: path.join(path.dirname(fileURLToPath(import.meta.url)), 'media-client.js') });
  const status = await page.evaluate(async (name) => {
    const r = await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: name, password: 'phonghop-demo' }) });
    return r.status;
  }, username);
  if (status !== 200) {
    await ctx.close().catch(() => {});
    throw new Error(`${username} could not sign in: ${status}`);
  }
  return { ctx, page };
}

// Signs in through the login form, as a person would.
export async function login(user, baseUrl, username, password) {
  const { page } = user;
  await page.goto(`${baseUrl}/#/login`);
  await page.getByLabel(/Tên đăng nhập|Username/).fill(username);
  await page.getByLabel(/^(Mật khẩu|Password)$/).fill(password);
  await page.getByRole('button', { name: /^(Đăng nhập|Log in|Sign in)$/ }).click();
  await page.waitForFunction(() => !location.hash.startsWith('#/login'), null, { timeout: 15000 });
}

// A tiny valid PDF of one A4-ish page with a line of text, made here so the test needs no file.
export function makePdf(text) {
  const stream = `BT /F1 18 Tf 60 700 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

// Saves what the page shows at each of the three sizes the web client is made for: a tablet
// (1024x768), a hall's screen (1920x1080) and a phone (390x844). The page keeps its size after.
// `show`: a selector to bring into view first (the part the screen is about); else the top.
export async function screenshotSizes(page, dir, name, { sizes = Object.keys(SIZES), settleMs = 400, show = null } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  const original = page.viewportSize();
  const files = [];
  for (const size of sizes) {
    await page.setViewportSize(SIZES[size]);
    // What a person sees on arriving: the top of the page (a dialog stays where it is), or the
    // part the screen is about.
    await page.evaluate((selector) => {
      const target = selector ? document.querySelector(selector) : null;
      if (target) target.scrollIntoView({ block: 'start' });
      else window.scrollTo(0, 0);
    }, show);
    await page.waitForTimeout(settleMs);
    const file = path.join(dir, `${name}-${size}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  }
  if (original) await page.setViewportSize(original);
  return files;
}

// Text whose contrast with what is behind it is below WCAG 2.1 AA: 4.5:1, or 3:1 for large text
// (24 px, or 18.66 px bold). Disabled controls are exempt, as WCAG says. Returns the offenders.
export async function contrastProblems(page) {
  return page.evaluate(() => {
    const parse = (text) => {
      const m = text.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const parts = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
    };
    const over = (top, bottom) => {
      const a = top[3];
      return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1);
    };
    const channel = (v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
    const background = (element) => {
      const layers = [];
      for (let e = element; e; e = e.parentElement) {
        const bg = parse(getComputedStyle(e).backgroundColor);
        if (bg[3] > 0) layers.push(bg);
        if (bg[3] >= 1) break;
      }
      let colour = [255, 255, 255, 1];
      for (const layer of layers.reverse()) colour = over(layer, colour);
      return colour;
    };
    const problems = [];
    const seen = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!element || seen.has(element) || node.textContent.trim() === '') continue;
      seen.add(element);
      if (element.closest('[disabled], .sr-only, script, style, option')) continue;
      const rect = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      const bg = background(element);
      const fg = over(parse(style.color), bg);
      const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const needed = large ? 3 : 4.5;
      if (ratio + 0.005 < needed) {
        problems.push({ text: node.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100, needed, color: style.color, background: `rgb(${bg.slice(0, 3).map(Math.round).join(',')})` });
      }
    }
    return problems;
  });
}

// Interactive elements that a screen reader would announce without a name.
export async function unnamedControls(page) {
  return page.evaluate(() => {
    const out = [];
    for (const e of document.querySelectorAll('button, a[href], input, select, textarea, [role=button]')) {
      const rect = e.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      if (e.type === 'hidden') continue;
      const labelled =
        (e.getAttribute('aria-label') || '').trim() ||
        (e.getAttribute('aria-labelledby') || '').trim() ||
        (e.labels && e.labels.length > 0) ||
        (e.textContent || '').trim() ||
        (e.getAttribute('title') || '').trim();
      if (!labelled) out.push(e.outerHTML.slice(0, 120));
    }
    return out;
  });
}

// Controls smaller than 44x44 CSS pixels (touch targets for tablets), skipping inline links in text.
export async function smallTargets(page) {
  return page.evaluate(() => {
    const out = [];
    for (const e of document.querySelectorAll('button, select, input:not([type=hidden]), .button')) {
      const r = e.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (e.type === 'checkbox' || e.type === 'radio') continue; // their label is the target
      if (r.height < 43.5 || r.width < 43.5) out.push(`${e.tagName.toLowerCase()} "${(e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
    return out;
  });
}

// What every page showed and what the server said, printed at a test file's first failing step:
// a page that waits in vain shows nothing of why in the step's own error. people: name ->
// { page, log } (launchUser's).
export async function diagnosePages(step, people, server) {
  const out = [`# diagnosis after the failure of "${step}"`];
  for (const [name, person] of Object.entries(people)) {
    const text = await person.page.evaluate(() => document.body.innerText).catch((e) => `(no text: ${e.message})`);
    out.push(`# ${name} at ${person.page.url()}: ${text.replace(/\s+/g, ' ').slice(0, 600)}`);
    for (const line of (person.log || []).slice(-15)) out.push(`#   ${name} console: ${line}`);
  }
  const metrics = await server.client().get('/metrics').then((r) => r.text, (e) => `(no metrics: ${e.message})`);
  out.push(...metrics.split('\n').filter((l) => /^phonghop_(db|connections|http|websocket)/.test(l)).map((l) => `#   ${l}`));
  out.push('# the end of the server log:', server.log.slice(-8000));
  console.log(out.join('\n'));
}

// Wraps node:test's test so that the first failing step of a file runs diagnosePages().
export function diagnosedTest(nodeTest, people, getServer) {
  let diagnosed = false;
  return (name, fn) => nodeTest(name, async (t) => {
    try {
      return await fn(t);
    } catch (e) {
      if (!diagnosed) {
        diagnosed = true;
        await diagnosePages(name, people, getServer()).catch(() => {});
      }
      throw e;
    }
  });
}

// The writes the server had to ask for again (its watchdog: a writeable callback that did not come
// while the socket would take more), printed at the end of a browser test: there should be none.
export async function writeStallReport(server) {
  const metrics = await server.client().get('/metrics').then((r) => r.text, () => '');
  const count = (name) => Number((metrics.match(new RegExp(`^${name} (\\d+)$`, 'm')) || [])[1] || 0);
  const lines = server.log.split('\n').filter((l) => /nothing (of it )?written for/.test(l));
  return [
    `# writes the server had to ask for again: ${count('phonghop_websocket_write_stalls_total')} WebSocket, ${count('phonghop_http_write_stalls_total')} HTTP`,
    ...lines.map((l) => `#   ${l}`),
  ].join('\n');
}
