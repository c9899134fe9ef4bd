/*
 * Hash routing. The server serves the same index.html at `/` and knows nothing of client routes;
 * the route lives after '#':
 *   #/login                          log in (the place to come back to is kept in memory)
 *   #/bodies                         choose a body
 *   #/bodies/ID/meetings             meetings of a body
 *   #/bodies/ID/meetings/new         the secretariat creates a meeting
 *   #/bodies/ID/meetings/MID         one meeting: details, invitation, the ways in
 *   #/bodies/ID/meetings/MID/room    the member's meeting room
 *   #/bodies/ID/meetings/MID/chair   the chair's console
 *   #/bodies/ID/meetings/MID/prepare the secretariat's preparation (agenda, invitations, documents)
 *   #/bodies/ID/meetings/MID/hall    a hall's big screen (no interaction)
 *   #/bodies/ID/meetings/MID/archive the meeting's recordings (timeline, player, downloads)
 *   #/public/MID                     the public page of a public sitting (no login)
 *   #/screen/TOKEN                   a hall screen bound to a site by the secretariat's token (no
 *                                    login); the token is kept on the device and the address
 *                                    becomes #/screen
 * An empty hash is the start page (#/bodies); anything else is 'not_found'.
 */
import { readable, type Readable } from 'svelte/store';

/** The pages of one meeting, after #/bodies/ID/meetings/MID/. */
export const MEETING_PAGES = ['room', 'chair', 'prepare', 'hall', 'archive'] as const;
export type MeetingPage = (typeof MEETING_PAGES)[number];

export type Route =
  | { readonly name: 'login' }
  | { readonly name: 'bodies' }
  | { readonly name: 'notifications' }
  | { readonly name: 'meetings'; readonly bodyId: number }
  | { readonly name: 'meeting_new'; readonly bodyId: number }
  | { readonly name: 'meeting'; readonly bodyId: number; readonly meetingId: number }
  | { readonly name: MeetingPage; readonly bodyId: number; readonly meetingId: number }
  | { readonly name: 'public'; readonly meetingId: number }
  | { readonly name: 'screen'; readonly token: string | null }
  | { readonly name: 'not_found'; readonly path: string };

/** Routes that need no session (the public page). */
export function isPublicRoute(route: Route): boolean {
  return route.name === 'public' || route.name === 'screen';
}

function isMeetingPage(text: string | undefined): text is MeetingPage {
  return (MEETING_PAGES as readonly string[]).includes(text ?? '');
}

function parseId(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '');
  if (path === '' || path === '/bodies') return { name: 'bodies' };
  if (path === '/login') return { name: 'login' };
  if (path === '/notifications') return { name: 'notifications' };
  const parts = path.split('/');
  // ['', 'public', MID]
  if (parts[0] === '' && parts[1] === 'public' && parts.length === 3) {
    const meetingId = parseId(parts[2]);
    if (meetingId !== null) return { name: 'public', meetingId };
  }
  // ['', 'screen', TOKEN?]
  if (parts[0] === '' && parts[1] === 'screen' && parts.length <= 3) {
    const token = parts[2] ?? null;
    if (token === null || /^[A-Za-z0-9_-]{1,128}$/.test(token)) return { name: 'screen', token };
  }
  // ['', 'bodies', ID, 'meetings', MID?, PAGE?]
  if (parts[0] === '' && parts[1] === 'bodies' && parts[3] === 'meetings') {
    const bodyId = parseId(parts[2]);
    if (bodyId !== null && parts.length === 4) return { name: 'meetings', bodyId };
    if (bodyId !== null && parts.length === 5 && parts[4] === 'new') return { name: 'meeting_new', bodyId };
    const meetingId = parseId(parts[4]);
    if (bodyId !== null && meetingId !== null && parts.length === 5) {
      return { name: 'meeting', bodyId, meetingId };
    }
    const page = parts[5];
    if (bodyId !== null && meetingId !== null && parts.length === 6 && isMeetingPage(page)) {
      return { name: page, bodyId, meetingId };
    }
  }
  return { name: 'not_found', path };
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'login':
      return '#/login';
    case 'bodies':
      return '#/bodies';
    case 'notifications':
      return '#/notifications';
    case 'meetings':
      return `#/bodies/${route.bodyId}/meetings`;
    case 'meeting_new':
      return `#/bodies/${route.bodyId}/meetings/new`;
    case 'meeting':
      return `#/bodies/${route.bodyId}/meetings/${route.meetingId}`;
    case 'room':
    case 'chair':
    case 'prepare':
    case 'hall':
    case 'archive':
      return `#/bodies/${route.bodyId}/meetings/${route.meetingId}/${route.name}`;
    case 'screen':
      return route.token === null ? '#/screen' : `#/screen/${route.token}`;
    case 'public':
      return `#/public/${route.meetingId}`;
    case 'not_found':
      return `#${route.path}`;
  }
}

/** The current route, following the address bar. */
export const route: Readable<Route> = readable<Route>(
  typeof location === 'undefined' ? { name: 'bodies' } : parseRoute(location.hash),
  (set) => {
    const update = () => set(parseRoute(location.hash));
    update();
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  },
);

/** Goes to `target`; with `replace`, the current page leaves no entry in the history. */
/**
 * Whether the address is still at a page of this name. A view that moves on by itself once it has
 * loaded (a single body's meetings) must not when the person has already gone elsewhere: the
 * address changes at once, but the router hears of it only at the next hashchange, a task later,
 * and a load that ends in between would send them back.
 */
export function stillAt(name: Route['name'], hash: string = location.hash): boolean {
  return parseRoute(hash).name === name;
}

export function navigate(target: Route, options: { replace?: boolean } = {}): void {
  const hash = routeHash(target);
  if (options.replace) location.replace(hash);
  else location.hash = hash;
}
