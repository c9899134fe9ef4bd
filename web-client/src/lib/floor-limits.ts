/*
 * Speaking-time limits per kind of request (phát biểu, chất vấn, trả lời, thủ tục), as the chair
 * edits them for the body: a time typed as minutes ("7") or minutes and seconds ("2:30"), 0 for
 * no limit, and a warning that many seconds before the end (less than the limit; 0: none). The
 * server sets all of them or none (PUT /bodies/{id}/floor-limits) and running turns keep their
 * time; these checks only say plainly what it would refuse.
 */
import type { FloorKind, FloorLimit } from './api';
import type { MessageKey } from './i18n';

/** Seconds from "7" (minutes) or "2:30" (minutes:seconds); null when unreadable. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d{1,4})(?::([0-5]\d))?\s*$/.exec(text);
  if (match === null) return null;
  return Number(match[1]) * 60 + (match[2] === undefined ? 0 : Number(match[2]));
}

/** "7" for 420 s, "2:30" for 150 s: what parseDuration reads back. */
export function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? String(minutes) : `${minutes}:${String(rest).padStart(2, '0')}`;
}

export interface LimitRow {
  kind: FloorKind;
  /** As typed: minutes or minutes:seconds. */
  limit: string;
  /** As typed: seconds. */
  warning: string;
}

export function rowsFromLimits(limits: readonly FloorLimit[]): LimitRow[] {
  return limits.map((limit) => ({
    kind: limit.kind,
    limit: formatDuration(limit.limit_seconds),
    warning: String(limit.warning_seconds),
  }));
}

export const MAX_LIMIT_SECONDS = 86_400;

export interface LimitProblem {
  key: MessageKey;
  kind: FloorKind;
  params?: Record<string, string | number>;
}

/** The first row the server would refuse, or null. */
export function limitsProblem(rows: readonly LimitRow[]): LimitProblem | null {
  for (const row of rows) {
    const limit = parseDuration(row.limit);
    if (limit === null || limit > MAX_LIMIT_SECONDS) return { key: 'limits.badLimit', kind: row.kind };
    if (!/^\s*\d{1,5}\s*$/.test(row.warning)) return { key: 'limits.badWarning', kind: row.kind };
    const warning = Number.parseInt(row.warning, 10);
    if (limit === 0 && warning !== 0) return { key: 'limits.warningWithoutLimit', kind: row.kind };
    if (limit > 0 && warning >= limit) return { key: 'limits.warningTooLong', kind: row.kind, params: { warning, limit } };
  }
  return null;
}

/** The PUT body for rows limitsProblem() accepted: only the kinds that changed, or all when none is known. */
export function limitsBody(rows: readonly LimitRow[], before: readonly FloorLimit[]): { limits: Omit<FloorLimit, 'own'>[] } {
  const limits = rows
    .map((row) => ({ kind: row.kind, limit_seconds: parseDuration(row.limit) ?? 0, warning_seconds: Number.parseInt(row.warning, 10) }))
    .filter((limit) => {
      const old = before.find((b) => b.kind === limit.kind);
      return old === undefined || old.limit_seconds !== limit.limit_seconds || old.warning_seconds !== limit.warning_seconds;
    });
  return { limits };
}
