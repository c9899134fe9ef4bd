import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalogues, pickLocale, translate, type Message, type MessageKey } from '../src/lib/i18n';
import { vi as viCatalogue } from '../src/lib/i18n/vi';
import { en as enCatalogue } from '../src/lib/i18n/en';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Every .ts and .svelte file under src/ (written out: recursive readdir needs Node 18.17+ and differs). */
function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|svelte)$/.test(name)) files.push(path);
  }
  return files;
}

function texts(message: Message): string[] {
  return typeof message === 'string' ? [message] : [message.one, message.other];
}

function placeholders(message: Message): string[] {
  const names = new Set<string>();
  for (const text of texts(message)) for (const match of text.matchAll(/\{(\w+)\}/g)) names.add(match[1] ?? '');
  return [...names].sort();
}

const viKeys = Object.keys(viCatalogue).sort();
const enKeys = Object.keys(enCatalogue).sort();
const catalogueFiles = new Set(['vi.ts', 'en.ts'].map((name) => join(SRC, 'lib', 'i18n', name)));
const sources = sourceFiles(SRC)
  .filter((path) => !catalogueFiles.has(path))
  .map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }));

describe('catalogues', () => {
  it('every Vietnamese key exists in English', () => {
    expect(viKeys.filter((key) => !(key in enCatalogue))).toEqual([]);
  });

  it('every English key exists in Vietnamese', () => {
    expect(enKeys.filter((key) => !(key in viCatalogue))).toEqual([]);
  });

  it('no message is empty or padded with spaces', () => {
    for (const [locale, catalogue] of Object.entries(catalogues)) {
      for (const [key, message] of Object.entries(catalogue)) {
        for (const text of texts(message)) {
          expect(text.trim(), `${locale} ${key}`).not.toBe('');
          expect(text, `${locale} ${key}`).toBe(text.trim());
        }
      }
    }
  });

  it('both languages use the same placeholders for each key', () => {
    for (const key of viKeys as MessageKey[]) {
      expect(placeholders(enCatalogue[key]), key).toEqual(placeholders(viCatalogue[key]));
    }
  });

  it('a plural message is chosen by one of its own placeholders', () => {
    for (const catalogue of Object.values(catalogues)) {
      for (const [key, message] of Object.entries(catalogue)) {
        if (typeof message !== 'string') expect(placeholders(message), key).toContain(message.plural);
      }
    }
  });

  it('Vietnamese is stored precomposed (NFC), as people type and search it', () => {
    for (const [key, message] of Object.entries(viCatalogue)) {
      for (const text of texts(message)) expect(text, key).toBe(text.normalize('NFC'));
    }
  });
});

describe('keys used in the sources', () => {
  // $t('key'), t('key'), translate(locale, 'key')
  const callPattern = /(?<![\w.])\$?t\(\s*(['"`])([^'"`$]+)\1|\btranslate\(\s*[\w$.]+\s*,\s*(['"`])([^'"`$]+)\3/g;
  const used = new Map<string, string>();
  for (const { path, text } of sources) {
    for (const match of text.matchAll(callPattern)) used.set(match[2] ?? match[4] ?? '', path);
  }

  it('finds the calls (the scan works)', () => {
    expect(used.size).toBeGreaterThan(40);
    expect(used.has('login.throttled')).toBe(true);
  });

  it('every key passed to t() exists in the catalogue', () => {
    const missing = [...used].filter(([key]) => !(key in viCatalogue)).map(([key, path]) => `${path}: ${key}`);
    expect(missing).toEqual([]);
  });

  it('every catalogue key is used somewhere in src/', () => {
    const everything = sources.map((source) => source.text).join('\n');
    const unused = viKeys.filter((key) => !everything.includes(`'${key}'`) && !everything.includes(`"${key}"`));
    expect(unused).toEqual([]);
  });
});

describe('translate', () => {
  it('gives the throttling message with the seconds, in Vietnamese', () => {
    expect(translate('vi', 'login.throttled', { seconds: 30 })).toBe(
      'Bạn đã nhập sai quá nhiều lần. Vui lòng thử lại sau 30 giây.',
    );
  });

  it('chooses English singular and plural by the number', () => {
    expect(translate('en', 'login.throttled', { seconds: 1 })).toMatch(/in 1 second\.$/);
    expect(translate('en', 'login.throttled', { seconds: 2 })).toMatch(/in 2 seconds\.$/);
    expect(translate('en', 'agenda.minutes', { minutes: 1 })).toBe('1 minute');
    expect(translate('vi', 'agenda.minutes', { minutes: 1 })).toBe('1 phút');
  });

  it('leaves an unknown placeholder visible rather than inventing a value', () => {
    expect(translate('vi', 'header.user')).toBe('Người dùng: {name}');
    expect(translate('vi', 'header.user', { name: 'Trần Thị Bình' })).toBe('Người dùng: Trần Thị Bình');
  });
});

describe('pickLocale', () => {
  it('prefers the stored choice', () => {
    expect(pickLocale('en', ['vi-VN'])).toBe('en');
    expect(pickLocale('vi', ['en-US'])).toBe('vi');
  });

  it('then the first browser language we have', () => {
    expect(pickLocale(null, ['en-GB', 'vi'])).toBe('en');
    expect(pickLocale(null, ['fr-FR', 'vi-VN'])).toBe('vi');
    expect(pickLocale('de', ['EN'])).toBe('en');
  });

  it('and Vietnamese by default', () => {
    expect(pickLocale(null, [])).toBe('vi');
    expect(pickLocale(null, ['fr', 'zh-CN'])).toBe('vi');
  });
});
