/*
 * The agenda as people read it: items in order, sub-items under their item, numbered 1, 2, 2.1...
 * The server sends a flat list with parent_id and position; an item whose parent is missing
 * from the list is shown at the top level rather than lost.
 */
import type { AgendaItem } from './api';

export interface AgendaNode {
  readonly item: AgendaItem;
  /** "2.1" */
  readonly number: string;
  readonly children: readonly AgendaNode[];
}

export function agendaTree(items: readonly AgendaItem[]): AgendaNode[] {
  const ids = new Set(items.map((item) => item.id));
  const byParent = new Map<number | null, AgendaItem[]>();
  for (const item of items) {
    const parent = item.parent_id !== null && ids.has(item.parent_id) && item.parent_id !== item.id ? item.parent_id : null;
    const siblings = byParent.get(parent);
    if (siblings === undefined) byParent.set(parent, [item]);
    else siblings.push(item);
  }
  const visited = new Set<number>();
  const build = (parent: number | null, prefix: string): AgendaNode[] => {
    const siblings = [...(byParent.get(parent) ?? [])].sort((a, b) => a.position - b.position || a.id - b.id);
    const nodes: AgendaNode[] = [];
    for (const item of siblings) {
      if (visited.has(item.id)) continue; // a cycle in parent_id: show each item once
      visited.add(item.id);
      const number = prefix === '' ? String(nodes.length + 1) : `${prefix}.${nodes.length + 1}`;
      nodes.push({ item, number, children: build(item.id, number) });
    }
    return nodes;
  };
  return build(null, '');
}
