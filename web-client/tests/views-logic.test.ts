/* The logic behind the views: routes, dates, labels, agenda numbering, meeting order. */
import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash, type Route } from '../src/lib/router';
import {
  describeError,
  formatMeetingTime,
  labelOf,
  meetingKindKey,
  meetingStatusKey,
  roleLabel,
  sortRoles,
} from '../src/lib/format';
import { agendaTree, type AgendaNode } from '../src/lib/agenda';
import { groupMeetings } from '../src/lib/meetings';
import { ApiError, type AgendaItem, type MeetingSummary } from '../src/lib/api';

describe('routes', () => {
  const cases: [string, Route][] = [
    ['', { name: 'bodies' }],
    ['#', { name: 'bodies' }],
    ['#/', { name: 'bodies' }],
    ['#/login', { name: 'login' }],
    ['#/bodies', { name: 'bodies' }],
    ['#/bodies/', { name: 'bodies' }],
    ['#/bodies/12/meetings', { name: 'meetings', bodyId: 12 }],
    ['#/bodies/12/meetings/345', { name: 'meeting', bodyId: 12, meetingId: 345 }],
    ['#/bodies/0/meetings', { name: 'not_found', path: '/bodies/0/meetings' }],
    ['#/bodies/x/meetings', { name: 'not_found', path: '/bodies/x/meetings' }],
    ['#/bodies/12/meetings/3/extra', { name: 'not_found', path: '/bodies/12/meetings/3/extra' }],
    ['#/bodies/99999999999999999999/meetings', { name: 'not_found', path: '/bodies/99999999999999999999/meetings' }],
    ['#/admin', { name: 'not_found', path: '/admin' }],
  ];
  it.each(cases)('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('hashes parse back to the same route', () => {
    const routes: Route[] = [
      { name: 'login' },
      { name: 'bodies' },
      { name: 'meetings', bodyId: 4 },
      { name: 'meeting', bodyId: 4, meetingId: 17 },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
  });
});

describe('meeting time', () => {
  // 01:30 UTC is 08:30 in Vietnam (UTC+7), whatever zone the test machine is in.
  const iso = '2026-07-13T01:30:00Z';

  it('is written the Vietnamese way, in Vietnam time', () => {
    expect(formatMeetingTime(iso, 'vi')).toBe('Thứ Hai, 13/07/2026, lúc 08:30');
  });

  it('in English keeps day/month/year', () => {
    expect(formatMeetingTime(iso, 'en')).toBe('Monday 13/07/2026 at 08:30');
  });

  it('honours the offset the server sends', () => {
    expect(formatMeetingTime('2026-07-13T14:00:00+07:00', 'vi')).toBe('Thứ Hai, 13/07/2026, lúc 14:00');
  });

  it('is null when not set or unreadable', () => {
    expect(formatMeetingTime(null, 'vi')).toBeNull();
    expect(formatMeetingTime('tomorrow', 'vi')).toBeNull();
  });
});

describe('labels', () => {
  it('names kinds and statuses in words, and shows unknown values as they are', () => {
    expect(labelOf('vi', meetingKindKey, 'extraordinary')).toBe('Họp bất thường');
    expect(labelOf('vi', meetingStatusKey, 'open')).toBe('Đang họp');
    expect(labelOf('en', meetingStatusKey, 'open')).toBe('In session');
    expect(labelOf('vi', meetingStatusKey, 'suspended')).toBe('suspended');
  });

  it('a council member is a deputy, a committee member a member', () => {
    expect(roleLabel('vi', 'member', 'council')).toBe('Đại biểu');
    expect(roleLabel('vi', 'member', 'committee')).toBe('Thành viên');
    expect(roleLabel('vi', 'chair', 'council')).toBe('Chủ tọa');
    expect(roleLabel('vi', 'tally', 'council')).toBe('tally');
  });

  it('orders roles chair first', () => {
    expect(sortRoles(['guest', 'member', 'zz', 'chair'])).toEqual(['chair', 'member', 'guest', 'zz']);
  });

  it('describes errors for people', () => {
    expect(describeError('vi', new ApiError(0, 'network_error', 'x'))).toContain('Không kết nối được');
    expect(describeError('vi', new ApiError(404, 'not_found', 'x'))).toBe('Không tìm thấy nội dung yêu cầu.');
    expect(describeError('vi', new ApiError(502, 'http_error', 'x'))).toBe('Máy chủ gặp lỗi (mã 502). Vui lòng thử lại sau.');
    expect(describeError('en', new Error('boom'))).toBe('Something went wrong. Please try again.');
  });
});

describe('agenda', () => {
  function item(id: number, parent: number | null, position: number): AgendaItem {
    return { id, parent_id: parent, position, title: `item ${id}`, presenter: '', planned_minutes: null, is_public: true };
  }

  it('numbers items and sub-items in position order', () => {
    const tree = agendaTree([item(3, null, 2), item(1, null, 1), item(5, 3, 2), item(4, 3, 1), item(6, 4, 1)]);
    const flat: string[] = [];
    const walk = (nodes: readonly AgendaNode[]) => {
      for (const node of nodes) {
        flat.push(`${node.number}:${node.item.id}`);
        walk(node.children);
      }
    };
    walk(tree);
    expect(flat).toEqual(['1:1', '2:3', '2.1:4', '2.1.1:6', '2.2:5']);
  });

  it('keeps items whose parent is missing, and survives a cycle', () => {
    const tree = agendaTree([item(1, 99, 1), item(2, 3, 1), item(3, 2, 1), item(4, 4, 2)]);
    expect(tree.map((node) => node.item.id)).toEqual([1, 4]);
  });
});

describe('meeting order', () => {
  function meeting(id: number, status: MeetingSummary['status'], startsAt: string | null): MeetingSummary {
    return { id, title: `m${id}`, kind: 'regular', status, starts_at: startsAt, location: '', is_public: true };
  }

  it('upcoming: in session first, then soonest, unscheduled last; past: latest first', () => {
    const groups = groupMeetings([
      meeting(1, 'scheduled', '2026-08-01T01:00:00Z'),
      meeting(2, 'closed', '2026-01-01T01:00:00Z'),
      meeting(3, 'draft', null),
      meeting(4, 'open', '2026-07-01T01:00:00Z'),
      meeting(5, 'scheduled', '2026-07-15T01:00:00Z'),
      meeting(6, 'archived', '2025-12-01T01:00:00Z'),
      meeting(7, 'closed', '2026-03-01T01:00:00Z'),
    ]);
    expect(groups.upcoming.map((m) => m.id)).toEqual([4, 5, 1, 3]);
    expect(groups.past.map((m) => m.id)).toEqual([7, 2, 6]);
  });
});
