/*
 * Every string a person reads comes from here: `$t(KEY, { param: value })` in components,
 * translate(locale, key, params) elsewhere. Vietnamese (vi.ts) is the reference catalogue and
 * the default; English (en.ts) must define exactly the same keys.
 *
 * The language is, in order: what the user chose before (localStorage 'phonghop.locale'), the
 * first of the browser's languages we have, Vietnamese. Choosing one with setLocale() stores it
 * and sets <html lang> so screen readers pronounce the page in the right language.
 */
import { derived, get, writable, type Readable } from 'svelte/store';
import { vi } from './i18n/vi';
import { en } from './i18n/en';

export type MessageKey = keyof typeof vi;

/** A message whose wording depends on the number in param `plural`. */
export interface PluralMessage {
  readonly plural: string;
  readonly one: string;
  readonly other: string;
}
export type Message = string | PluralMessage;
export type Catalogue = { readonly [key in MessageKey]: Message };

export type Locale = 'vi' | 'en';
export const LOCALES: readonly Locale[] = ['vi', 'en'];
export const DEFAULT_LOCALE: Locale = 'vi';
export const LOCALE_STORAGE_KEY = 'phonghop.locale';

export const catalogues: { readonly [locale in Locale]: Catalogue } = { vi, en };

export type Params = Readonly<Record<string, string | number>>;

function isLocale(value: unknown): value is Locale {
  return value === 'vi' || value === 'en';
}

/**
 * The language to start with: the stored choice if valid, else the first browser language whose
 * primary subtag we have (vi-VN -> vi, en-GB -> en), else Vietnamese.
 */
export function pickLocale(stored: string | null, browserLanguages: readonly string[]): Locale {
  if (isLocale(stored)) return stored;
  for (const tag of browserLanguages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}

const pluralRules = new Map<Locale, Intl.PluralRules>();

function selectPlural(locale: Locale, message: PluralMessage, params: Params | undefined): string {
  const count = Number(params?.[message.plural]);
  if (!Number.isFinite(count)) return message.other;
  let rules = pluralRules.get(locale);
  if (rules === undefined) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  return rules.select(count) === 'one' ? message.one : message.other;
}

/** The message for `key` in `locale` with `{name}` placeholders filled from `params`. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const message: Message | undefined = catalogues[locale][key] ?? catalogues[DEFAULT_LOCALE][key];
  if (message === undefined) return key;
  const text = typeof message === 'string' ? message : selectPlural(locale, message, params);
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

function readStoredLocale(): string | null {
  try {
    return globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled (private mode, policy)
  }
}

function browserLanguages(): readonly string[] {
  const nav = globalThis.navigator as Navigator | undefined;
  if (nav === undefined) return [];
  if (Array.isArray(nav.languages) && nav.languages.length > 0) return nav.languages;
  return nav.language ? [nav.language] : [];
}

const localeStore = writable<Locale>(pickLocale(readStoredLocale(), browserLanguages()));

/** The language in use. */
export const locale: Readable<Locale> = { subscribe: localeStore.subscribe };

/** Switches the language, remembers the choice and updates <html lang>. */
export function setLocale(next: Locale): void {
  localeStore.set(next);
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, next);
  } catch {
    /* the choice lasts for this page only */
  }
  applyDocumentLocale(next);
}

/** Sets <html lang> to the language in use; call once at start-up. */
export function applyDocumentLocale(current: Locale = get(localeStore)): void {
  if (typeof document !== 'undefined') document.documentElement.lang = current;
}

export type Translate = (key: MessageKey, params?: Params) => string;

/** For components: `$t(KEY, params)` re-renders when the language changes. */
export const t: Readable<Translate> = derived(
  localeStore,
  (current): Translate =>
    (key, params) =>
      translate(current, key, params),
);

