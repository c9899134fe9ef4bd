/* agenda.h: the shape and order of a meeting's agenda (chương trình), as pure rules.
 *
 * DOMAIN.md ("Meetings"): "chương trình (agenda): ordered items, sub-items, presenter, planned
 * time." An agenda has two levels: items, and sub-items under an item (a sub-item has none of its
 * own). Each item has a position, 1, 2, 3 ... among its siblings.
 *
 * Concurrent edits: the agenda as a whole carries a version that every change increments. An edit
 * says which version it was made from; when that is no longer the stored one, someone else changed
 * the agenda in between and the edit is refused (AGENDA_ERROR_STALE) instead of overwriting that
 * change. Two secretaries who reorder at once: one wins, the other is told to reload.
 *
 * Errors (AGENDA_ERROR): INVALID for an order or a parent that breaks the rules (messages name the
 * item, for the person who dragged it), STALE for an edit made from an old version.
 * All functions are pure and thread-safe.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define AGENDA_ERROR (agenda_error_quark())
GQuark agenda_error_quark(void);

typedef enum {
    AGENDA_ERROR_INVALID,
    AGENDA_ERROR_STALE,
} AgendaError;

/* Where an item is: its id and its parent (0: a top-level item). */
typedef struct {
    gint64 id;
    gint64 parent_id;
} AgendaPlace;

/* Where an item goes: its parent and its position among its siblings (from 1). */
typedef struct {
    gint64 id;
    gint64 parent_id;
    guint position;
} AgendaSlot;

/* In an order, "leave this item under the parent it has". */
#define AGENDA_KEEP_PARENT G_GINT64_CONSTANT(-1)

/* Plans a reorder. current: the n_current items as stored (any order). order: the new order, every
 * item exactly once, each with its new parent (0, an item's id, or AGENDA_KEEP_PARENT). Positions
 * are numbered in the order given, per parent. Returns (transfer full) a GArray of AgendaSlot, one
 * per element of order and in its order, or NULL with AGENDA_ERROR_INVALID naming the first item
 * that breaks a rule (unknown, listed twice, missing, its own parent, under a sub-item). */
GArray *agenda_plan_order(const AgendaPlace *current, gsize n_current, const AgendaPlace *order,
                          gsize n_order, GError **error);

/* Checks that item_id (0: a new item) may go under parent_id (0: top level) of the agenda
 * current: the parent is on it, is a top-level item and is not the item; an item with sub-items
 * stays at the top level. FALSE with AGENDA_ERROR_INVALID otherwise. */
gboolean agenda_check_parent(const AgendaPlace *current, gsize n_current, gint64 item_id,
                             gint64 parent_id, GError **error);

/* TRUE when sent is the stored version; otherwise FALSE with AGENDA_ERROR_STALE ("the agenda was
 * changed by someone else: reload"). */
gboolean agenda_check_version(gint64 stored, gint64 sent, GError **error);

G_END_DECLS
