/* The notifications list: order, read state, kinds, and its address. */
import { describe, expect, it } from 'vitest';
import type { Notification } from '../src/lib/api';
import { allMarkedRead, markedRead, newestFirst, notificationKindKey, shown, unreadCount } from '../src/lib/notifications';
import { parseRoute, routeHash } from '../src/lib/router';
import { translate } from '../src/lib/i18n';

const note = (id: number, created_at: string, read = false, kind = 'invitation'): Notification => ({
  id,
  kind,
  meeting_id: 12,
  text: `Giấy mời ${id}`,
  created_at,
  read,
});

describe('notifications', () => {
  const list = [note(1, '2026-11-01T01:00:00Z', true), note(3, '2026-11-02T01:00:00Z'), note(2, '2026-11-02T01:00:00Z')];

  it('newest first, the later id first at the same time', () => {
    expect(newestFirst(list).map((n) => n.id)).toEqual([3, 2, 1]);
  });

  it('counts and marks what is unread, one or all', () => {
    expect(unreadCount(list)).toBe(2);
    const one = markedRead(list, 3);
    expect(unreadCount(one)).toBe(1);
    expect(one.find((n) => n.id === 3)?.read).toBe(true);
    expect(list.find((n) => n.id === 3)?.read).toBe(false); // not changed in place
    expect(unreadCount(allMarkedRead(list))).toBe(0);
    expect(shown(list, true).map((n) => n.id)).toEqual([3, 2]);
    expect(shown(list, false)).toHaveLength(3);
  });

  it('names each kind, and an unknown one plainly', () => {
    expect(translate('vi', notificationKindKey('invitation'))).toBe('Giấy mời');
    expect(translate('vi', notificationKindKey('meeting.postponed'))).toBe('Hoãn cuộc họp');
    expect(translate('vi', notificationKindKey('something.new'))).toBe('Thông báo');
  });

  it('has an address of its own', () => {
    expect(parseRoute('#/notifications')).toEqual({ name: 'notifications' });
    expect(routeHash({ name: 'notifications' })).toBe('#/notifications');
  });
});
