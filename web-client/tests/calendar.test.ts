/* The month calendar of meetings, in Vietnam's time, weeks from Monday. */
import { describe, expect, it } from 'vitest';
import type { MeetingSummary } from '../src/lib/api';
import { addMonths, monthGrid, monthOf, vietnamDate } from '../src/lib/calendar';

const meeting = (id: number, starts_at: string | null): MeetingSummary => ({
  id,
  title: `Họp ${id}`,
  kind: 'regular',
  status: 'scheduled',
  starts_at,
  location: '',
  is_public: true,
});

describe('dates in Vietnam', () => {
  it('an instant belongs to the day it is in Vietnam', () => {
    expect(vietnamDate('2026-06-30T17:30:00Z')).toBe('2026-07-01'); // 00:30 on the 1st in Hà Nội
    expect(vietnamDate('2026-07-01T08:00:00+07:00')).toBe('2026-07-01');
    expect(vietnamDate('2026-07-01T16:59:00Z')).toBe('2026-07-01');
    expect(vietnamDate('2026-07-01T17:00:00Z')).toBe('2026-07-02');
    expect(vietnamDate(null)).toBeNull();
    expect(vietnamDate('soon')).toBeNull();
    expect(monthOf(Date.parse('2026-12-31T18:00:00Z'))).toEqual({ year: 2027, month: 1 });
  });

  it('months step across years', () => {
    expect(addMonths({ year: 2026, month: 12 }, 1)).toEqual({ year: 2027, month: 1 });
    expect(addMonths({ year: 2026, month: 1 }, -1)).toEqual({ year: 2025, month: 12 });
    expect(addMonths({ year: 2026, month: 5 }, 14)).toEqual({ year: 2027, month: 7 });
  });
});

describe('monthGrid', () => {
  it('weeks start on Monday and cover the month, days of other months marked', () => {
    const weeks = monthGrid({ year: 2026, month: 7 }, []); // 1 July 2026 is a Wednesday
    expect(weeks[0]?.map((d) => d.date)).toEqual([
      '2026-06-29', '2026-06-30', '2026-07-01', '2026-07-02', '2026-07-03', '2026-07-04', '2026-07-05',
    ]);
    expect(weeks[0]?.map((d) => d.inMonth)).toEqual([false, false, true, true, true, true, true]);
    const last = weeks[weeks.length - 1] ?? [];
    expect(last.some((d) => d.date === '2026-07-31')).toBe(true);
    expect(weeks).toHaveLength(5);
    expect(weeks.flat().filter((d) => d.inMonth)).toHaveLength(31);
  });

  it('meetings on their Vietnamese day, in time order; those without a time are not placed', () => {
    const weeks = monthGrid({ year: 2026, month: 7 }, [
      meeting(2, '2026-07-01T07:00:00Z'),
      meeting(1, '2026-06-30T18:00:00Z'),
      meeting(3, null),
      meeting(4, '2026-08-01T01:00:00Z'),
    ]);
    const july1 = weeks.flat().find((d) => d.date === '2026-07-01');
    expect(july1?.meetings.map((m) => m.id)).toEqual([1, 2]);
    expect(weeks.flat().flatMap((d) => d.meetings).map((m) => m.id)).toEqual([1, 2, 4]);
  });

  it('a month starting on Monday has no leading days', () => {
    const weeks = monthGrid({ year: 2026, month: 6 }, []); // 1 June 2026 is a Monday
    expect(weeks[0]?.[0]).toMatchObject({ date: '2026-06-01', inMonth: true, day: 1 });
  });
});
