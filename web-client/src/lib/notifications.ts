/*
 * The signed-in person's notifications (giấy mời, changes of schedule, postponements, and any
 * kind the server adds later), newest first, with their read state. Marking read is the
 * server's (POST .../read, .../read-all); the list here is updated from its answer so that the
 * count in the header and the list agree without a reload. Pure helpers; the view calls the API.
 */
import type { Notification } from './api';
import type { MessageKey } from './i18n';

/** The label of each kind the server sends; an unknown kind is shown as a plain notice. */
const kindKeys: Readonly<Record<string, MessageKey>> = {
  invitation: 'notifications.kind.invitation',
  'meeting.changed': 'notifications.kind.meeting.changed',
  'meeting.postponed': 'notifications.kind.meeting.postponed',
  'document.released': 'notifications.kind.document.released',
  'consultation.opened': 'notifications.kind.consultation.opened',
};

export function notificationKindKey(kind: string): MessageKey {
  return kindKeys[kind] ?? 'notifications.kind.other';
}

/** Newest first (by time, then id), as the server sends them. */
export function newestFirst(list: readonly Notification[]): Notification[] {
  return [...list].sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id - a.id);
}

export function unreadCount(list: readonly Notification[]): number {
  return list.filter((n) => !n.read).length;
}

export function markedRead(list: readonly Notification[], id: number): Notification[] {
  return list.map((n) => (n.id === id ? { ...n, read: true } : n));
}

export function allMarkedRead(list: readonly Notification[]): Notification[] {
  return list.map((n) => (n.read ? n : { ...n, read: true }));
}

/** Only the unread ones, or all. */
export function shown(list: readonly Notification[], onlyUnread: boolean): Notification[] {
  return onlyUnread ? list.filter((n) => !n.read) : [...list];
}
