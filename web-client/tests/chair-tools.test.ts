/* The chair's speaking-time limits per kind: reading what is typed and what the server would refuse. */
import { describe, expect, it } from 'vitest';
import { formatDuration, limitsBody, limitsProblem, parseDuration, rowsFromLimits } from '../src/lib/floor-limits';
import { translate } from '../src/lib/i18n';

describe('speaking-time limits', () => {
  it('reads minutes or minutes:seconds, and writes them back the same way', () => {
    expect(parseDuration('7')).toBe(420);
    expect(parseDuration(' 2:30 ')).toBe(150);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('2:75')).toBeNull();
    expect(parseDuration('-1')).toBeNull();
    expect(parseDuration('')).toBeNull();
    expect(formatDuration(420)).toBe('7');
    expect(formatDuration(150)).toBe('2:30');
    expect(formatDuration(65)).toBe('1:05');
  });

  it('says which kind is wrong and why', () => {
    const rows = rowsFromLimits([
      { kind: 'speech', limit_seconds: 420, warning_seconds: 60 },
      { kind: 'question', limit_seconds: 180, warning_seconds: 30 },
    ]);
    expect(limitsProblem(rows)).toBeNull();
    expect(limitsProblem([{ kind: 'speech', limit: 'bảy', warning: '60' }])).toEqual({ key: 'limits.badLimit', kind: 'speech' });
    expect(limitsProblem([{ kind: 'speech', limit: '1441', warning: '0' }])).toEqual({ key: 'limits.badLimit', kind: 'speech' });
    expect(limitsProblem([{ kind: 'answer', limit: '5', warning: 'x' }])).toEqual({ key: 'limits.badWarning', kind: 'answer' });
    expect(limitsProblem([{ kind: 'answer', limit: '0', warning: '30' }])).toEqual({ key: 'limits.warningWithoutLimit', kind: 'answer' });
    expect(limitsProblem([{ kind: 'question', limit: '0:30', warning: '30' }])).toEqual({
      key: 'limits.warningTooLong',
      kind: 'question',
      params: { warning: 30, limit: 30 },
    });
    expect(translate('vi', 'limits.warningTooLong', { kind: 'Chất vấn', warning: 30, limit: 30 })).toBe(
      'Chất vấn: nhắc trước (30 giây) phải ngắn hơn thời gian phát biểu (30 giây).',
    );
  });

  it('sends only the kinds that changed', () => {
    const before = [
      { kind: 'speech' as const, limit_seconds: 420, warning_seconds: 60 },
      { kind: 'question' as const, limit_seconds: 180, warning_seconds: 30 },
    ];
    const rows = rowsFromLimits(before);
    expect(limitsBody(rows, before)).toEqual({ limits: [] });
    rows[1] = { kind: 'question', limit: '5', warning: '45' };
    expect(limitsBody(rows, before)).toEqual({ limits: [{ kind: 'question', limit_seconds: 300, warning_seconds: 45 }] });
  });
});
