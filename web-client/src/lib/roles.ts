/*
 * What a person may do in a body, from their session: which pages of a meeting to offer them.
 * The server decides every request on its own; this only spares people buttons that would be
 * refused.
 */
import type { Role, Session } from './api';

export interface BodyRoles {
  /** Runs sittings: agenda, floor, votes. */
  chair: boolean;
  /** Prepares meetings: details, invitations, agenda, documents; enters counts. */
  prepare: boolean;
  /** Votes, checks in, asks for the floor. */
  member: boolean;
  guest: boolean;
  /** Any role at all in the body. */
  any: boolean;
}

export function rolesIn(session: Session | null, bodyId: number): BodyRoles {
  const roles = new Set<Role>(session?.memberships.find((m) => m.body_id === bodyId)?.roles ?? []);
  const sysadmin = session?.user.is_system_admin === true;
  return {
    chair: roles.has('chair'),
    prepare: sysadmin || roles.has('admin') || roles.has('secretariat'),
    member: roles.has('member'),
    guest: roles.has('guest'),
    any: sysadmin || roles.size > 0,
  };
}
