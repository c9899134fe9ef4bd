/* loadgen-sfu.c: phonghop's media engine in a host of its own, for the SFU benchmark.
 *
 * Design: the benchmark measures the SFU's process, so phonghop's SFU must run in a process of
 * its own, doing what the daemon does with the media library and nothing else: one MediaEngine
 * (a media worker per core, ICE on the given address only, so everything stays inside the
 * benchmark's network namespace), one room (meeting 1) with every microphone open, as a
 * multi-site session runs with the floor open, and the negotiation calls of media.h driven by a
 * minimal JSON signaling over a WebSocket (described in loadgen-phonghop.c). The daemon's /ws
 * adds sign-in, the meeting and the floor around the same calls, none of it on the packet path.
 * Only media.h is used, as the server uses it. At SIGTERM or SIGINT it prints the room's
 * counters to stderr and frees the engine.
 *
 * Usage: loadgen-sfu --address 10.77.0.1 [--port 8189] [--workers N]
 * Prints "ready" on stdout once it listens.
 */
#include <stdio.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "media.h"

#define MEETING 1

typedef struct {
    GMainLoop *loop;
    MediaEngine *engine;
    MediaRoom *room;
    GHashTable *participants; /* guint64 ids already added */
    GPtrArray *connections;   /* SoupWebsocketConnection */
} Host;

typedef struct {
    SoupWebsocketConnection *conn;
    char *transaction;
} Reply;

static void send_reply(SoupWebsocketConnection *conn, const char *transaction, const char *sdp,
                       const char *error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "transaction");
    json_builder_add_string_value(b, transaction);
    if (sdp != NULL) {
        json_builder_set_member_name(b, "sdp");
        json_builder_add_string_value(b, sdp);
    }
    if (error != NULL) {
        json_builder_set_member_name(b, "error");
        json_builder_add_string_value(b, error);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    text = json_to_string(root, FALSE);
    if (soup_websocket_connection_get_state(conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text(conn, text);
}

static void on_sdp(gpointer user_data, const char *sdp, const GError *error)
{
    Reply *r = user_data;

    send_reply(r->conn, r->transaction, sdp, error != NULL ? error->message : NULL);
    g_object_unref(r->conn);
    g_free(r->transaction);
    g_free(r);
}

static gboolean ensure_participant(Host *host, guint64 id, GError **error)
{
    g_autofree char *name = NULL;

    if (g_hash_table_contains(host->participants, &id))
        return TRUE;
    name = g_strdup_printf("loadgen %" G_GUINT64_FORMAT, id);
    if (!media_room_add_participant(host->room, id, name, MEDIA_ROLE_MEMBER, error))
        return FALSE;
    g_hash_table_add(host->participants, g_memdup2(&id, sizeof(id)));
    return TRUE;
}

static void on_message(SoupWebsocketConnection *conn, gint type, GBytes *message,
                       gpointer user_data)
{
    Host *host = user_data;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    const char *text = g_bytes_get_data(message, &len);
    JsonObject *msg;
    const char *request, *transaction, *sdp;
    guint64 participant;
    Reply *r;
    gboolean ok = FALSE;

    if (type != SOUP_WEBSOCKET_DATA_TEXT ||
        !json_parser_load_from_data(parser, text, (gssize)len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        return;
    msg = json_node_get_object(json_parser_get_root(parser));
    request = json_object_get_string_member_with_default(msg, "request", "");
    transaction = json_object_get_string_member_with_default(msg, "transaction", "");
    sdp = json_object_get_string_member_with_default(msg, "sdp", NULL);
    participant = (guint64)json_object_get_int_member_with_default(msg, "participant", 0);

    r = g_new0(Reply, 1);
    r->conn = g_object_ref(conn);
    r->transaction = g_strdup(transaction);
    if (!ensure_participant(host, participant, &error)) {
        /* reported below */
    } else if (g_str_equal(request, "publish") && sdp != NULL) {
        ok = media_room_publish(host->room, participant, sdp, on_sdp, r, &error);
    } else if (g_str_equal(request, "answer") && sdp != NULL) {
        ok = media_room_answer(host->room, participant, sdp, on_sdp, r, &error);
    } else if (g_str_equal(request, "subscribe") && json_object_has_member(msg, "feeds")) {
        JsonArray *a = json_object_get_array_member(msg, "feeds");
        guint n = MIN(json_array_get_length(a), 16), i;
        guint64 feeds[16];

        for (i = 0; i < n; i++)
            feeds[i] = (guint64)json_array_get_int_element(a, i);
        ok = media_room_subscribe(host->room, participant, feeds, n, on_sdp, r, &error);
    } else {
        error =
            g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown request \"%s\"", request);
    }
    if (!ok)
        on_sdp(r, NULL, error);
}

static void on_closed(SoupWebsocketConnection *conn, gpointer user_data)
{
    Host *host = user_data;

    g_ptr_array_remove(host->connections, conn);
}

static void on_websocket(SoupServer *server, SoupServerMessage *msg, const char *path,
                         SoupWebsocketConnection *conn, gpointer user_data)
{
    Host *host = user_data;

    soup_websocket_connection_set_max_incoming_payload_size(conn, 1024 * 1024);
    g_ptr_array_add(host->connections, g_object_ref(conn));
    g_signal_connect(conn, "message", G_CALLBACK(on_message), host);
    g_signal_connect(conn, "closed", G_CALLBACK(on_closed), host);
}

static gboolean on_signal(gpointer user_data)
{
    Host *host = user_data;

    g_main_loop_quit(host->loop);
    return G_SOURCE_CONTINUE;
}

static void add_signal(GMainContext *ctx, int signum, Host *host)
{
    GSource *s = g_unix_signal_source_new(signum);

    g_source_set_callback(s, on_signal, host, NULL);
    g_source_attach(s, ctx);
    g_source_unref(s);
}

int main(int argc, char **argv)
{
    g_autofree char *address = NULL;
    gint port = 8189, workers = 0;
    GOptionEntry entries[] = {
        {"address", 0, 0, G_OPTION_ARG_STRING, &address, "media and signaling address", "IP"},
        {"port", 0, 0, G_OPTION_ARG_INT, &port, "signaling port (8189)", "PORT"},
        {"workers", 0, 0, G_OPTION_ARG_INT, &workers, "media workers (0: one per core)", "N"},
        {NULL},
    };
    g_autoptr(GOptionContext) options = g_option_context_new("- phonghop's SFU for the benchmark");
    g_autoptr(GError) error = NULL;
    g_autoptr(MediaIceConfig) ice = NULL;
    g_autoptr(SoupServer) server = NULL;
    g_autoptr(GSocketAddress) listen_addr = NULL;
    GMainContext *ctx;
    MediaEngineConfig config = {0};
    MediaRoomCounters counters;
    Host host = {0};

    g_option_context_add_main_entries(options, entries, NULL);
    if (!g_option_context_parse(options, &argc, &argv, &error) || address == NULL) {
        fprintf(stderr, "loadgen-sfu: %s\n",
                error != NULL ? error->message : "--address is needed");
        return 2;
    }
    ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    host.loop = g_main_loop_new(ctx, FALSE);
    host.participants = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    host.connections = g_ptr_array_new_with_free_func(g_object_unref);

    ice = media_ice_config_new();
    if (!media_ice_config_add_address(ice, address, &error))
        goto fail;
    config.n_workers = (guint)MAX(workers, 0);
    config.ice = ice;
    host.engine = media_engine_new(ctx, &config, &error);
    if (host.engine == NULL)
        goto fail;
    host.room = media_engine_ensure_room(host.engine, MEETING, &error);
    if (host.room == NULL || !media_room_set_open_microphones(host.room, TRUE, &error))
        goto fail;

    server = soup_server_new("server-header", "phonghop-loadgen-sfu", NULL);
    soup_server_add_websocket_handler(server, "/", NULL, NULL, on_websocket, &host, NULL);
    listen_addr = g_inet_socket_address_new_from_string(address, (guint)port);
    if (listen_addr == NULL) {
        error = g_error_new(G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad address %s", address);
        goto fail;
    }
    if (!soup_server_listen(server, listen_addr, 0, &error))
        goto fail;
    add_signal(ctx, SIGTERM, &host);
    add_signal(ctx, SIGINT, &host);
    printf("ready\n");
    fflush(stdout);
    g_main_loop_run(host.loop);

    media_room_get_counters(host.room, &counters);
    fprintf(stderr,
            "loadgen-sfu: received %" G_GUINT64_FORMAT ", forwarded %" G_GUINT64_FORMAT
            ", send errors %" G_GUINT64_FORMAT ", held by the floor %" G_GUINT64_FORMAT "\n",
            counters.rx_packets, counters.forwarded, counters.send_errors, counters.dropped_floor);
    soup_server_disconnect(server);
    g_ptr_array_set_size(host.connections, 0);
    media_engine_free(host.engine);
    g_main_loop_unref(host.loop);
    g_hash_table_unref(host.participants);
    g_ptr_array_unref(host.connections);
    g_main_context_pop_thread_default(ctx);
    g_main_context_unref(ctx);
    return 0;

fail:
    fprintf(stderr, "loadgen-sfu: %s\n", error != NULL ? error->message : "failed");
    return 1;
}
