/* api-public.h: the public view of a meeting (api-public.c), shared with the hall screens'
 * routes (api-screens.c). Both functions run on a database worker inside the call's
 * transaction.
 */
#pragma once

#include "api-internal.h"

G_BEGIN_DECLS

/* The view of meeting_id that a public page or a hall screen draws: {meeting (with its body),
 * sittings, agenda, documents, speaker, polls, last_seq}. all_items FALSE is the public's view
 * (nothing of a closed item or sitting but its title); TRUE is a hall screen's, which sits inside
 * the meeting and shows every item. The caller has checked who may see it. (transfer full) or
 * NULL with error. */
JsonNode *public_meeting_view(DbConn *conn, gint64 meeting_id, gboolean all_items, GError **error);

/* Answers node (ownership taken) with a strong ETag of its text and cache_control, or 304
 * without a body when the request's If-None-Match names that ETag. */
void public_reply_cached(ApiCall *call, JsonNode *node, const char *cache_control);

G_END_DECLS
