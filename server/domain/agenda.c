/* agenda.c: validating and planning changes of an agenda's shape and order.
 *
 * Design. A reorder is sent as the whole agenda in its new order, not as "move X after Y": a
 * whole order is checked completely (every item once, nothing unknown, two levels at most) and
 * applied in one step, and together with the agenda version it makes a stale drag fail loudly
 * rather than merge into something neither secretary meant. Planning is a pass over the order with
 * two hash tables (the stored items, the ids already seen), so it is linear in the agenda's size;
 * the parent rule is checked against the new parents, because an item and the item it goes under
 * may both move in the same reorder.
 */
#include "agenda.h"

GQuark agenda_error_quark(void)
{
    return g_quark_from_static_string("phonghop-agenda-error-quark");
}

/* id -> parent_id of the stored items; the keys point into current. */
static GHashTable *index_places(const AgendaPlace *current, gsize n_current)
{
    GHashTable *t = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (gsize i = 0; i < n_current; i++)
        g_hash_table_insert(t, (gpointer)&current[i].id, (gpointer)&current[i].parent_id);
    return t;
}

GArray *agenda_plan_order(const AgendaPlace *current, gsize n_current, const AgendaPlace *order,
                          gsize n_order, GError **error)
{
    g_autoptr(GHashTable) stored = index_places(current, n_current);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
    g_autoptr(GHashTable) new_parent = g_hash_table_new(g_int64_hash, g_int64_equal);
    g_autoptr(GArray) slots = g_array_sized_new(FALSE, TRUE, sizeof(AgendaSlot), (guint)n_order);
    g_autofree gint64 *parents = g_new0(gint64, n_order + 1);

    for (gsize i = 0; i < n_order; i++) {
        const gint64 *id = &order[i].id;
        const gint64 *was = g_hash_table_lookup(stored, id);
        if (!was) {
            g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                        "item %" G_GINT64_FORMAT " is not on this agenda", *id);
            return NULL;
        }
        if (!g_hash_table_add(seen, (gpointer)id)) {
            g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                        "item %" G_GINT64_FORMAT " is listed twice", *id);
            return NULL;
        }
        parents[i] = order[i].parent_id == AGENDA_KEEP_PARENT ? *was : order[i].parent_id;
        g_hash_table_insert(new_parent, (gpointer)id, &parents[i]);
    }
    for (gsize i = 0; i < n_current; i++) {
        if (!g_hash_table_contains(seen, &current[i].id)) {
            g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                        "item %" G_GINT64_FORMAT " is missing: list every item once",
                        current[i].id);
            return NULL;
        }
    }
    for (gsize i = 0; i < n_order; i++) {
        gint64 id = order[i].id, parent = parents[i];
        if (parent == 0)
            continue;
        if (parent == id) {
            g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                        "item %" G_GINT64_FORMAT " cannot be its own sub-item", id);
            return NULL;
        }
        const gint64 *grand = g_hash_table_lookup(new_parent, &parent);
        if (!grand) {
            g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                        "item %" G_GINT64_FORMAT ": there is no item %" G_GINT64_FORMAT
                        " on this agenda to go under",
                        id, parent);
            return NULL;
        }
        if (*grand != 0) {
            g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                        "item %" G_GINT64_FORMAT " cannot go under item %" G_GINT64_FORMAT
                        ": that is a sub-item, and sub-items have none of their own",
                        id, parent);
            return NULL;
        }
    }
    /* Positions per parent, in the order given: one counter per parent, keyed by the first
     * element of parents that holds it. */
    g_autoptr(GHashTable) next = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    for (gsize i = 0; i < n_order; i++) {
        guint *n = g_hash_table_lookup(next, &parents[i]);
        if (!n) {
            n = g_new0(guint, 1);
            g_hash_table_insert(next, &parents[i], n);
        }
        AgendaSlot slot = {order[i].id, parents[i], ++*n};
        g_array_append_val(slots, slot);
    }
    return g_steal_pointer(&slots);
}

gboolean agenda_check_parent(const AgendaPlace *current, gsize n_current, gint64 item_id,
                             gint64 parent_id, GError **error)
{
    if (parent_id == 0)
        return TRUE;
    if (parent_id == item_id) {
        g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                    "item %" G_GINT64_FORMAT " cannot be its own sub-item", item_id);
        return FALSE;
    }
    const AgendaPlace *parent = NULL;
    gboolean has_children = FALSE;
    for (gsize i = 0; i < n_current; i++) {
        if (current[i].id == parent_id)
            parent = &current[i];
        if (item_id != 0 && current[i].parent_id == item_id)
            has_children = TRUE;
    }
    if (!parent) {
        g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                    "there is no item %" G_GINT64_FORMAT " on this agenda to go under", parent_id);
        return FALSE;
    }
    if (parent->parent_id != 0) {
        g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                    "item %" G_GINT64_FORMAT " is a sub-item, and sub-items have none of their own",
                    parent_id);
        return FALSE;
    }
    if (has_children) {
        g_set_error(error, AGENDA_ERROR, AGENDA_ERROR_INVALID,
                    "item %" G_GINT64_FORMAT " has sub-items of its own: it stays at the top level",
                    item_id);
        return FALSE;
    }
    return TRUE;
}

gboolean agenda_check_version(gint64 stored, gint64 sent, GError **error)
{
    if (stored == sent)
        return TRUE;
    g_set_error(
        error, AGENDA_ERROR, AGENDA_ERROR_STALE,
        "the agenda was changed by someone else: reload (you edited version %" G_GINT64_FORMAT
        ", it is now at %" G_GINT64_FORMAT ")",
        sent, stored);
    return FALSE;
}
