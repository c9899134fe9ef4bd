/*
 * Hash routing. The server serves the same index.html at `/` and knows nothing of client routes;
 * the route lives after '#':
 *   #/login                          log in (the place to come back to is kept in memory)
 *   #/bodies                         choose a body
 *   #/bodies/ID/meetings             meetings of a body
 *   #/bodies/ID/meetings/MID         one meeting
 * An empty hash is the start page (#/bodies); anything else is 'not_found'.
 */
import { readable, type Readable } from 'svelte/store';

export type Route =
  | { readonly name: 'login' }
  | { readonly name: 'bodies' }
  | { readonly name: 'meetings'; readonly bodyId: number }
  | { readonly name: 'meeting'; readonly bodyId: number; readonly meetingId: number }
  | { readonly name: 'not_found'; readonly path: string };

function parseId(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9]\d{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '');
  if (path === '' || path === '/bodies') return { name: 'bodies' };
  if (path === '/login') return { name: 'login' };
  const parts = path.split('/');
  // ['', 'bodies', ID, 'meetings', MID?]
  if (parts[0] === '' && parts[1] === 'bodies' && parts[3] === 'meetings') {
    const bodyId = parseId(parts[2]);
    if (bodyId !== null && parts.length === 4) return { name: 'meetings', bodyId };
    const meetingId = parseId(parts[4]);
    if (bodyId !== null && meetingId !== null && parts.length === 5) {
      return { name: 'meeting', bodyId, meetingId };
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
    case 'meetings':
      return `#/bodies/${route.bodyId}/meetings`;
    case 'meeting':
      return `#/bodies/${route.bodyId}/meetings/${route.meetingId}`;
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
export function navigate(target: Route, options: { replace?: boolean } = {}): void {
  const hash = routeHash(target);
  if (options.replace) location.replace(hash);
  else location.hash = hash;
}
