/*
 * Editing the agenda when two people may be at it at once (the secretariat the night before,
 * often more than one secretary).
 *
 * Every edit names the agenda version it was made from; the server refuses an edit made from an
 * older version with 409 "conflict" rather than let one secretary silently undo the other. An
 * edit form therefore remembers the version the agenda had when the form was opened (not the
 * latest one the screen has since received), and on a conflict the editor loads the agenda as it
 * now is, keeps what the person typed, and says plainly what happened so they can look and try
 * again. Nothing is retried behind their back.
 */
import { ApiError, AGENDA_CONFLICT, type Agenda, type AgendaItem } from './api';

export type EditOutcome =
  | { status: 'done'; agenda: Agenda }
  /** Someone else changed the agenda first: `agenda` is the latest one (null if it could not be loaded). */
  | { status: 'conflict'; agenda: Agenda | null }
  | { status: 'failed'; error: unknown };

export function isAgendaConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && error.code === AGENDA_CONFLICT;
}

/**
 * Runs one edit made from `baseVersion`. On a conflict, loads the latest agenda with `reload`.
 */
export async function editAgenda(
  baseVersion: number,
  edit: (version: number) => Promise<Agenda>,
  reload: () => Promise<Agenda>,
): Promise<EditOutcome> {
  try {
    return { status: 'done', agenda: await edit(baseVersion) };
  } catch (error) {
    if (!isAgendaConflict(error)) return { status: 'failed', error };
    try {
      return { status: 'conflict', agenda: await reload() };
    } catch {
      return { status: 'conflict', agenda: null };
    }
  }
}

/** Items in reading order: each top-level item followed by its sub-items, by position. */
export function agendaInOrder(items: readonly AgendaItem[]): AgendaItem[] {
  const byPosition = (a: AgendaItem, b: AgendaItem) => a.position - b.position || a.id - b.id;
  const ids = new Set(items.map((item) => item.id));
  const tops = items.filter((item) => item.parent_id === null || !ids.has(item.parent_id)).sort(byPosition);
  const out: AgendaItem[] = [];
  for (const top of tops) {
    out.push(top);
    out.push(...items.filter((item) => item.parent_id === top.id && item.id !== top.id).sort(byPosition));
  }
  // Anything left (a sub-item of a sub-item, which the server does not make) at the end, not lost.
  for (const item of items) if (!out.includes(item)) out.push(item);
  return out;
}

/**
 * The order to send (PUT agenda/order) that moves an item one place up (-1) or down (+1) among
 * its siblings, sub-items travelling with their item; null when it is already first or last.
 */
export function reorderPlan(items: readonly AgendaItem[], itemId: number, step: -1 | 1): number[] | null {
  const item = items.find((candidate) => candidate.id === itemId);
  if (item === undefined) return null;
  const byPosition = (a: AgendaItem, b: AgendaItem) => a.position - b.position || a.id - b.id;
  const siblings = items.filter((candidate) => candidate.parent_id === item.parent_id).sort(byPosition);
  const index = siblings.findIndex((candidate) => candidate.id === itemId);
  const target = index + step;
  if (target < 0 || target >= siblings.length) return null;
  const swapped = [...siblings];
  swapped[index] = siblings[target] as AgendaItem;
  swapped[target] = item;
  const position = new Map(swapped.map((candidate, i) => [candidate.id, i + 1]));
  const moved = items.map((candidate) =>
    position.has(candidate.id) ? { ...candidate, position: position.get(candidate.id) as number } : candidate,
  );
  return agendaInOrder(moved).map((candidate) => candidate.id);
}
