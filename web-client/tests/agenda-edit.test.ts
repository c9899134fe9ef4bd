/* Two secretaries at one agenda: the version check, the conflict message, and the reorder plan. */
import { describe, expect, it, vi } from 'vitest';
import { ApiError, type Agenda, type AgendaItem } from '../src/lib/api';
import { agendaInOrder, editAgenda, isAgendaConflict, reorderPlan } from '../src/lib/agenda-edit';

const item = (id: number, position: number, parent_id: number | null = null): AgendaItem => ({
  id,
  parent_id,
  position,
  title: `Mục ${id}`,
  presenter: '',
  planned_minutes: null,
  is_public: true,
});

const agenda = (version: number, items: AgendaItem[]): Agenda => ({ meeting_id: 1, agenda_version: version, current_item_id: null, items });

const conflict = () => new ApiError(409, 'conflict', 'the agenda was changed by someone else: reload');

describe('editAgenda', () => {
  it('sends the version the edit was made from and returns the new agenda', async () => {
    const edit = vi.fn(async (version: number) => agenda(version + 1, [item(1, 1)]));
    const reload = vi.fn(async () => agenda(9, []));
    const outcome = await editAgenda(4, edit, reload);
    expect(edit).toHaveBeenCalledWith(4);
    expect(reload).not.toHaveBeenCalled();
    expect(outcome).toEqual({ status: 'done', agenda: agenda(5, [item(1, 1)]) });
  });

  it('on a conflict loads the latest agenda and does not retry the edit', async () => {
    const edit = vi.fn(async () => {
      throw conflict();
    });
    const latest = agenda(6, [item(1, 1), item(2, 2)]);
    const outcome = await editAgenda(4, edit, async () => latest);
    expect(edit).toHaveBeenCalledTimes(1);
    expect(outcome).toEqual({ status: 'conflict', agenda: latest });
  });

  it('a conflict whose reload fails still says "conflict"', async () => {
    const outcome = await editAgenda(
      4,
      async () => {
        throw conflict();
      },
      async () => {
        throw new ApiError(0, 'network_error', 'down');
      },
    );
    expect(outcome).toEqual({ status: 'conflict', agenda: null });
  });

  it('other refusals are failures to show as they are', async () => {
    const refusal = new ApiError(409, 'not_empty', 'item 3 has sub-items');
    const outcome = await editAgenda(4, async () => Promise.reject(refusal), async () => agenda(4, []));
    expect(outcome).toEqual({ status: 'failed', error: refusal });
    expect(isAgendaConflict(refusal)).toBe(false);
    expect(isAgendaConflict(conflict())).toBe(true);
    expect(isAgendaConflict(new ApiError(400, 'conflict', 'x'))).toBe(false);
  });
});

describe('reading order', () => {
  it('each item followed by its sub-items, by position', () => {
    const items = [item(3, 2), item(1, 1), item(5, 2, 1), item(4, 1, 1), item(6, 1, 3)];
    expect(agendaInOrder(items).map((i) => i.id)).toEqual([1, 4, 5, 3, 6]);
  });
});

describe('reorderPlan', () => {
  const items = [item(1, 1), item(2, 2), item(3, 3), item(21, 1, 2), item(22, 2, 2)];

  it('moves an item up among its siblings, its sub-items travelling with it', () => {
    expect(reorderPlan(items, 2, -1)).toEqual([2, 21, 22, 1, 3]);
    expect(reorderPlan(items, 2, 1)).toEqual([1, 3, 2, 21, 22]);
  });

  it('moves a sub-item within its item', () => {
    expect(reorderPlan(items, 22, -1)).toEqual([1, 2, 22, 21, 3]);
  });

  it('nothing at either end, or for an unknown item', () => {
    expect(reorderPlan(items, 1, -1)).toBeNull();
    expect(reorderPlan(items, 3, 1)).toBeNull();
    expect(reorderPlan(items, 21, -1)).toBeNull();
    expect(reorderPlan(items, 99, 1)).toBeNull();
  });

  it('every item appears exactly once, as the server requires', () => {
    const plan = reorderPlan(items, 3, -1) ?? [];
    expect([...plan].sort((a, b) => a - b)).toEqual([1, 2, 3, 21, 22]);
  });
});
