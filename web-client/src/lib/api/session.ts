/*
 * Who is signed in, and the bodies (councils, committees) they belong to: login, logout, the
 * session probe, the bodies with their sites and rosters.
 */
import { type ClientClass } from './core';
import { ApiError, BAD_RESPONSE } from './errors';
import { expectArray, id, isRecord } from './internal';

export type BodyKind = 'council' | 'committee';
export type BodyLevel = 'province' | 'district' | 'commune';
/** Known roles: 'admin' | 'secretariat' | 'chair' | 'member' | 'guest'; the server may add more. */
export type Role = string;

export interface User {
  id: number;
  username: string;
  full_name: string;
  title: string;
  is_system_admin: boolean;
}

export interface Membership {
  body_id: number;
  body_name: string;
  body_kind: BodyKind;
  body_level: BodyLevel;
  roles: Role[];
}

/** What POST /auth/login and GET /session answer. */
export interface Session {
  user: User;
  csrf_token: string;
  memberships: Membership[];
}

export interface Body {
  id: number;
  name: string;
  kind: BodyKind;
  level: BodyLevel;
  parent_id: number | null;
  roles: Role[];
}

export type SiteKind = 'main_hall' | 'remote_hall';

export interface Site {
  id: number;
  name: string;
  kind: SiteKind;
}

export interface RosterMember {
  user_id: number;
  username: string;
  full_name: string;
  title: string;
  joined_on: string;
}

/** Login, logout, the session and the caller's bodies: mixed into ApiClient. */
export function withSession<Base extends ClientClass>(Base: Base) {
  return class SessionApi extends Base {
    /** POST /auth/login. Throws ApiError: 401 invalid_credentials, 429 throttled (retry_after). */
    async login(username: string, password: string): Promise<Session> {
      const session = await this.request<Session>('POST', '/auth/login', {
        body: { username, password },
        expectUnauthorized: true,
      });
      this.setCsrfToken(checkedSession(session).csrf_token);
      return session;
    }

    /** POST /auth/logout. The CSRF token is forgotten even if the server had already forgotten us. */
    async logout(): Promise<void> {
      try {
        await this.request<void>('POST', '/auth/logout', { expectUnauthorized: true });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) throw err;
      }
      this.setCsrfToken(null);
    }

    /** GET /session: the current session, or null when not logged in. */
    async session(): Promise<Session | null> {
      try {
        const session = await this.request<Session>('GET', '/session', { expectUnauthorized: true });
        this.setCsrfToken(checkedSession(session).csrf_token);
        return session;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          this.setCsrfToken(null);
          return null;
        }
        throw err;
      }
    }

    async bodies(): Promise<Body[]> {
      const answer = await this.request<{ bodies: Body[] }>('GET', '/bodies');
      return expectArray(answer, 'bodies');
    }

    async sites(bodyId: number): Promise<Site[]> {
      return expectArray(await this.request<{ sites: Site[] }>('GET', `/bodies/${id(bodyId)}/sites`), 'sites');
    }

    async roster(bodyId: number): Promise<RosterMember[]> {
      return expectArray(await this.request<{ members: RosterMember[] }>('GET', `/bodies/${id(bodyId)}/roster`), 'members');
    }
  };
}

/** The session's shape, checked; memberships default to none. */
function checkedSession(session: Session): Session {
  if (!isRecord(session) || !isRecord(session.user) || typeof session.csrf_token !== 'string') {
    throw new ApiError(200, BAD_RESPONSE, 'session: expected {user, csrf_token, memberships}');
  }
  if (!Array.isArray(session.memberships)) session.memberships = [];
  return session;
}
