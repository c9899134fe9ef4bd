/* loadgen-phonghop.c: the load generator's signaling with phonghop's media engine.
 *
 * Design: phonghop's daemon will carry media negotiation on its /ws live connection (the
 * server's own protocol, behind sign-in and a meeting). Until that exists, the benchmark runs
 * phonghop's media engine in a small host of its own (loadgen-sfu.c), which does exactly what
 * the daemon does with the engine (media.h: one room per meeting, participants added as they
 * come, media_room_publish(), media_room_subscribe(), media_room_answer()) and speaks this
 * minimal JSON over a WebSocket: requests {"request": "publish" | "subscribe" | "answer",
 * "transaction", "participant", "sdp" | "feeds"}, each answered once with the same
 * "transaction" and "sdp", "error", or neither. The calls map one to one onto the load
 * generator's LgSignalingClass, so a client of the daemon's /ws replaces this file alone.
 */
#include "loadgen.h"

typedef struct {
    LgSdpFunc sdp_func;
    LgDoneFunc done_func;
    gpointer user_data;
} Pending;

typedef struct {
    LgSignaling parent;
    LgWs *ws;
    guint next_transaction;
    GHashTable *pending; /* transaction -> Pending */
    LgDoneFunc open_func;
    gpointer open_data;
} Phonghop;

static void on_message(JsonObject *msg, gpointer user_data)
{
    Phonghop *ph = user_data;
    const char *transaction = json_object_get_string_member_with_default(msg, "transaction", "");
    const char *error_text = json_object_get_string_member_with_default(msg, "error", NULL);
    const char *sdp = json_object_get_string_member_with_default(msg, "sdp", NULL);
    g_autoptr(GError) error = NULL;
    char *key = NULL;
    Pending *p = NULL;

    if (!g_hash_table_steal_extended(ph->pending, transaction, (gpointer *)&key, (gpointer *)&p))
        return;
    if (error_text != NULL)
        error = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "phonghop: %s", error_text);
    if (p->sdp_func != NULL) {
        if (error == NULL && sdp == NULL)
            error = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "phonghop: no SDP");
        p->sdp_func(error == NULL ? sdp : NULL, error, p->user_data);
    } else if (p->done_func != NULL) {
        p->done_func(error, p->user_data);
    }
    g_free(key);
    g_free(p);
}

static void request(Phonghop *ph, JsonObject *msg, LgSdpFunc sdp_func, LgDoneFunc done_func,
                    gpointer user_data)
{
    char *transaction = g_strdup_printf("lg%u", ++ph->next_transaction);
    Pending *p = g_new0(Pending, 1);

    p->sdp_func = sdp_func;
    p->done_func = done_func;
    p->user_data = user_data;
    json_object_set_string_member(msg, "transaction", transaction);
    g_hash_table_insert(ph->pending, transaction, p);
    if (!lg_ws_send(ph->ws, msg))
        g_warning("phonghop: cannot send: the signaling connection is not open");
    json_object_unref(msg);
}

static void on_ws_open(LgWs *ws, const GError *error, gpointer user_data)
{
    Phonghop *ph = user_data;

    ph->open_func(error, ph->open_data);
}

static void ph_open(LgSignaling *sig, guint n_publishers, LgDoneFunc func, gpointer user_data)
{
    Phonghop *ph = (Phonghop *)sig;

    ph->open_func = func;
    ph->open_data = user_data;
    lg_ws_open(ph->ws, on_ws_open, ph);
}

static JsonObject *new_request(const char *name, guint64 participant)
{
    JsonObject *msg = json_object_new();

    json_object_set_string_member(msg, "request", name);
    json_object_set_int_member(msg, "participant", (gint64)participant);
    return msg;
}

static void ph_publish(LgSignaling *sig, guint64 participant, const char *offer, LgSdpFunc func,
                       gpointer user_data)
{
    JsonObject *msg = new_request("publish", participant);

    json_object_set_string_member(msg, "sdp", offer);
    request((Phonghop *)sig, msg, func, NULL, user_data);
}

static void ph_subscribe(LgSignaling *sig, guint64 participant, const guint64 *feeds, guint n_feeds,
                         LgSdpFunc func, gpointer user_data)
{
    JsonObject *msg = new_request("subscribe", participant);
    JsonArray *a = json_array_new();
    guint i;

    for (i = 0; i < n_feeds; i++)
        json_array_add_int_element(a, (gint64)feeds[i]);
    json_object_set_array_member(msg, "feeds", a);
    request((Phonghop *)sig, msg, func, NULL, user_data);
}

static void ph_answer(LgSignaling *sig, guint64 participant, const char *answer, LgDoneFunc func,
                      gpointer user_data)
{
    JsonObject *msg = new_request("answer", participant);

    json_object_set_string_member(msg, "sdp", answer);
    request((Phonghop *)sig, msg, NULL, func, user_data);
}

static void ph_free(LgSignaling *sig)
{
    Phonghop *ph = (Phonghop *)sig;

    g_clear_pointer(&ph->ws, lg_ws_free);
    g_clear_pointer(&ph->pending, g_hash_table_unref);
    g_free(ph);
}

static const LgSignalingClass phonghop_class = {
    .name = "phonghop",
    .open = ph_open,
    .publish = ph_publish,
    .subscribe = ph_subscribe,
    .answer = ph_answer,
    .free = ph_free,
};

LgSignaling *lg_phonghop_new(const char *url)
{
    Phonghop *ph = g_new0(Phonghop, 1);

    ph->parent.klass = &phonghop_class;
    ph->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    ph->ws = lg_ws_new(url, NULL, on_message, ph);
    return &ph->parent;
}
