/* sfu-room.c: participants, tracks, subscriptions, the floor gate and taps of one room.
 *
 * Design: everything the packet path needs is prepared here, on the control path, so that
 * forwarding only reads flags, walks arrays and copies bytes. A participant's gate is a boolean
 * recomputed from the floor, the open-microphone switch, its role and the chair's mute whenever
 * one of them changes (sfu_room_update_gates()); the packet path reads that one flag. A track
 * keeps the array of sinks that receive it, so forwarding is one loop over that array. Sinks are
 * the one type for both subscriptions and taps: a tap is a subscriber whose "transport" is a
 * callback, which is why recording and compositing get rewriting, layer choice, key frame
 * requests and sender reports for free and why the floor gate applies to them too.
 *
 * Pauses (the floor closing, a chair mute, a hidden view) are handled by not feeding the sink's
 * rewriter and then resyncing it when the stream resumes: the subscriber sees the sequence
 * numbers continue and the timestamps jump by the real pause, as if the sender had used
 * discontinuous transmission, rather than a burst of "lost" packets it would NACK. Video that
 * resumes also needs a key frame, so it asks for one.
 *
 * A subscriber's subscriptions are kept sorted, audio first and then video by the area of the
 * view, largest first: the layer allocation (sfu-rtcp.c) serves them in that order, so the
 * speaker shown large gets the bandwidth before the thumbnails do.
 */
#include "router/sfu-room-private.h"

#include <string.h>

G_DEFINE_QUARK(sfu - room - error - quark, sfu_room_error)

#define NEVER (G_MININT64 / 2) /* a time long enough ago for every interval */

static void sink_destroy(SfuSink *sink);

/* ---- room ---- */

SfuRoom *sfu_room_new(const SfuRoomConfig *config, const SfuRoomEvents *events, gpointer user_data)
{
    SfuRoom *room;

    g_return_val_if_fail(config != NULL, NULL);
    g_return_val_if_fail(config->nack_slots == 0 ||
                             (config->nack_slots <= SFU_NACK_CACHE_MAX_SLOTS &&
                              (config->nack_slots & (config->nack_slots - 1)) == 0),
                         NULL);

    room = g_new0(SfuRoom, 1);
    room->config = *config;
    if (room->config.nack_slots == 0)
        room->config.nack_slots = 512;
    if (room->config.nack_max_age_us <= 0)
        room->config.nack_max_age_us = G_USEC_PER_SEC;
    if (room->config.report_interval_us <= 0)
        room->config.report_interval_us = G_USEC_PER_SEC;
    if (room->config.stats_interval_us <= 0)
        room->config.stats_interval_us = 2 * G_USEC_PER_SEC;
    if (room->config.keyframe_min_interval_us <= 0)
        room->config.keyframe_min_interval_us = 300 * 1000;
    if (room->config.initial_estimate_bps == 0)
        room->config.initial_estimate_bps = 1000 * 1000;
    if (room->config.publisher_max_bps == 0)
        room->config.publisher_max_bps = SFU_UPLINK_DEFAULT_MAX;
    if (events != NULL)
        room->events = *events;
    room->user_data = user_data;
    room->participants = g_ptr_array_new();
    room->taps = g_ptr_array_new();
    room->cleanups = g_array_new(FALSE, FALSE, sizeof(SfuCleanup));
    sfu_speaker_init(&room->speaker);
    room->last_report_us = NEVER;
    room->last_stats_us = NEVER;
    room->last_layer_eval_us = NEVER;
    room->now_us = NEVER;
    room->rtcp_buf = g_malloc0(SFU_RTCP_BUFFER_LEN);
    room->scratch_buf = g_malloc0(SFU_MAX_PACKET_LEN);
    return room;
}

static void participant_free(SfuParticipant *p);
static void tap_free(SfuTap *tap);

static void run_cleanups(GArray *cleanups)
{
    while (cleanups->len > 0) {
        SfuCleanup c = g_array_index(cleanups, SfuCleanup, cleanups->len - 1);

        g_array_set_size(cleanups, cleanups->len - 1);
        c.func(c.data);
    }
}

void sfu_room_free(SfuRoom *room)
{
    if (room == NULL)
        return;
    run_cleanups(room->cleanups);
    g_clear_pointer(&room->cleanups, g_array_unref);
    while (room->taps->len > 0)
        tap_free(g_ptr_array_steal_index(room->taps, room->taps->len - 1));
    while (room->participants->len > 0)
        participant_free(g_ptr_array_steal_index(room->participants, room->participants->len - 1));
    g_clear_pointer(&room->taps, g_ptr_array_unref);
    g_clear_pointer(&room->participants, g_ptr_array_unref);
    g_clear_pointer(&room->rtcp_buf, g_free);
    g_clear_pointer(&room->scratch_buf, g_free);
    g_free(room);
}

gint64 sfu_room_get_meeting_id(const SfuRoom *room)
{
    g_return_val_if_fail(room != NULL, 0);
    return room->config.meeting_id;
}

void sfu_room_add_cleanup(SfuRoom *room, GDestroyNotify func, gpointer data)
{
    SfuCleanup c = {func, data};

    g_return_if_fail(room != NULL && func != NULL);
    g_array_append_val(room->cleanups, c);
}

const SfuRoomCounters *sfu_room_get_counters(const SfuRoom *room)
{
    g_return_val_if_fail(room != NULL, NULL);
    return &room->counters;
}

/* ---- sinks ---- */

static gboolean copy_name(char *dst, gsize cap, const char *src)
{
    gsize len = src != NULL ? strlen(src) : 0;

    if (len == 0 || len >= cap)
        return FALSE;
    memcpy(dst, src, len + 1);
    return TRUE;
}

static SfuSink *sink_new(SfuTrack *track, guint32 ssrc, gint payload_type, const char *mid)
{
    SfuSink *sink = g_new0(SfuSink, 1);

    sink->track = track;
    sink->ssrc = ssrc;
    sink->payload_type = payload_type < 0 ? track->payload_type : (guint8)payload_type;
    if (mid != NULL && copy_name(sink->mid, sizeof(sink->mid), mid))
        sink->mid_len = (guint8)strlen(sink->mid);
    /* RFC 3550 §5.1: random initial sequence number and timestamp. */
    sfu_rewriter_init(&sink->rw, ssrc, track->clock_rate, (guint16)g_random_int(), g_random_int());
    sink->layer = -1;
    sink->fixed_layer = -1;
    sink->view_width = SFU_DISPLAY_UNKNOWN;
    sink->view_height = SFU_DISPLAY_UNKNOWN;
    sink->switched_us = NEVER;
    sfu_rate_meter_init(&sink->rate);
    g_ptr_array_add(track->sinks, sink);
    return sink;
}

/* Unlinks @sink from its track and its owner and frees it. */
static void sink_destroy(SfuSink *sink)
{
    g_ptr_array_remove_fast(sink->track->sinks, sink);
    if (sink->subscriber != NULL) {
        g_ptr_array_remove(sink->subscriber->subscriptions, sink);
    } else {
        g_ptr_array_remove_fast(sink->tap->sinks, sink);
        if (sink->tap->funcs.track_removed != NULL)
            sink->tap->funcs.track_removed(sink->tap->user_data, &sink->tap_track);
    }
    g_free(sink);
}

static guint64 view_area(const SfuSink *sink)
{
    if (sink->track->kind == SFU_MEDIA_AUDIO)
        return G_MAXUINT64;
    return (guint64)sink->view_width * sink->view_height;
}

/* Puts @sink at its place in its subscriber's subscriptions (audio, then the largest views). */
static void place_subscription(SfuParticipant *subscriber, SfuSink *sink)
{
    guint64 area = view_area(sink);
    guint i;

    g_ptr_array_remove(subscriber->subscriptions, sink);
    for (i = 0; i < subscriber->subscriptions->len; i++) {
        if (view_area(g_ptr_array_index(subscriber->subscriptions, i)) < area)
            break;
    }
    g_ptr_array_insert(subscriber->subscriptions, (gint)i, sink);
}

void sfu_sink_set_layer(SfuRoom *room, SfuSink *sink, gint layer, gint64 now_us)
{
    SfuLayer *l;

    if (layer == sink->layer)
        return;
    sink->switched_us = now_us;
    if (layer < 0 || (guint)layer >= sink->track->n_layers) {
        sink->layer = -1;
        sink->waiting = FALSE;
        return;
    }
    if (sink->layer < 0)
        sfu_rewriter_resync(&sink->rw); /* resumes after a pause */
    sink->layer = layer;
    l = &sink->track->layers[layer];
    if (!l->bound)
        return; /* sfu_room_layer_bound() finishes this when its first packet comes */
    sfu_rewriter_set_target(&sink->rw, l->ssrc);
    if (sink->track->kind == SFU_MEDIA_VIDEO) {
        sink->waiting = TRUE;
        sink->waiting_since = now_us;
        sfu_layer_request_keyframe(room, l, now_us);
    }
}

/* A tap takes the layer it asked for; otherwise the highest layer that is flowing (a browser
 * stops sending its top layers while its estimate is low), or the highest when none is yet. */
static gint tap_layer(const SfuSink *sink, gint64 now_us)
{
    gint i;

    if (sink->track->kind == SFU_MEDIA_AUDIO)
        return 0;
    if (sink->fixed_layer >= 0 && (guint)sink->fixed_layer < sink->track->n_layers)
        return sink->fixed_layer;
    for (i = (gint)sink->track->n_layers - 1; i >= 0; i--) {
        const SfuLayer *l = &sink->track->layers[i];

        if (l->bound && l->seen && now_us - l->last_packet_us < SFU_TAP_LAYER_IDLE_US)
            return i;
    }
    return (gint)sink->track->n_layers - 1;
}

void sfu_room_update_tap_layers(SfuRoom *room, gint64 now_us)
{
    guint i, j;

    for (i = 0; i < room->taps->len; i++) {
        SfuTap *tap = g_ptr_array_index(room->taps, i);

        for (j = 0; j < tap->sinks->len; j++) {
            SfuSink *sink = g_ptr_array_index(tap->sinks, j);

            if (sink->track->kind == SFU_MEDIA_VIDEO && sink->track->n_layers > 1 &&
                sink->layer >= 0)
                sfu_sink_set_layer(room, sink, tap_layer(sink, now_us), now_us);
        }
    }
}

void sfu_room_layer_bound(SfuRoom *room, SfuLayer *layer, gint64 now_us)
{
    SfuTrack *track = layer->track;
    guint i;

    for (i = 0; i < track->sinks->len; i++) {
        SfuSink *sink = g_ptr_array_index(track->sinks, i);

        if (sink->tap != NULL || track->kind == SFU_MEDIA_AUDIO) {
            gint want = sink->tap != NULL ? tap_layer(sink, now_us) : 0;

            if (want == (gint)layer->index) {
                sink->layer = -1;
                sfu_sink_set_layer(room, sink, want, now_us);
            }
        }
    }
    if (track->kind == SFU_MEDIA_VIDEO) {
        for (i = 0; i < track->sinks->len; i++) {
            SfuSink *sink = g_ptr_array_index(track->sinks, i);

            if (sink->subscriber != NULL)
                sfu_participant_allocate_layers(room, sink->subscriber, now_us);
        }
    }
}

/* ---- tracks ---- */

static void track_free(SfuTrack *track)
{
    guint i;

    while (track->sinks->len > 0)
        sink_destroy(g_ptr_array_index(track->sinks, track->sinks->len - 1));
    for (i = 0; i < track->n_layers; i++)
        g_clear_pointer(&track->layers[i].nack, sfu_nack_cache_free);
    g_ptr_array_unref(track->sinks);
    g_free(track);
}

SfuTrack *sfu_participant_find_track(SfuParticipant *p, const char *mid)
{
    guint i;

    for (i = 0; i < p->n_tracks; i++) {
        if (g_strcmp0(p->tracks[i]->mid, mid) == 0)
            return p->tracks[i];
    }
    return NULL;
}

static void bind_layer(SfuParticipant *p, SfuLayer *layer, guint32 ssrc)
{
    layer->ssrc = ssrc;
    layer->bound = TRUE;
    p->ssrcs[p->n_ssrcs].ssrc = ssrc;
    p->ssrcs[p->n_ssrcs].layer = layer;
    p->n_ssrcs++;
}

static void tap_attach_track(SfuTap *tap, SfuTrack *track, gint layer, gint64 now_us);

gboolean sfu_room_publish(SfuRoom *room, guint64 participant_id, const SfuTrackConfig *config,
                          GError **error)
{
    SfuParticipant *p;
    SfuTrack *track;
    guint i, j;

    g_return_val_if_fail(room != NULL && config != NULL, FALSE);
    p = sfu_room_get_participant(room, participant_id);
    if (p == NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": no participant %" G_GUINT64_FORMAT,
                    room->config.meeting_id, participant_id);
        return FALSE;
    }
    if (config->mid == NULL || config->mid[0] == '\0' || strlen(config->mid) > SFU_MID_MAX_LEN ||
        config->n_layers < 1 || config->n_layers > SFU_MAX_LAYERS ||
        (config->kind == SFU_MEDIA_AUDIO && config->n_layers != 1) || config->clock_rate == 0 ||
        config->payload_type > 127) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                    ": track %s: needs a mid of 1-%d bytes, 1-%d layers (1 for audio), a clock "
                    "rate and a payload type 0-127",
                    room->config.meeting_id, participant_id, config->mid ? config->mid : "(none)",
                    SFU_MID_MAX_LEN, SFU_MAX_LAYERS);
        return FALSE;
    }
    if (sfu_participant_find_track(p, config->mid) != NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS,
                    "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                    ": track %s is already published",
                    room->config.meeting_id, participant_id, config->mid);
        return FALSE;
    }
    if (p->n_tracks >= SFU_MAX_TRACKS) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_LIMIT,
                    "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                    ": at most %d tracks",
                    room->config.meeting_id, participant_id, SFU_MAX_TRACKS);
        return FALSE;
    }
    for (i = 0; i < config->n_layers; i++) {
        const SfuLayerConfig *lc = &config->layers[i];

        if ((lc->rid != NULL && strlen(lc->rid) > SFU_RID_MAX_LEN) ||
            (config->n_layers > 1 && (lc->rid == NULL || lc->rid[0] == '\0') && lc->ssrc == 0)) {
            g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_INVALID,
                        "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                        ": track %s layer %u: a simulcast layer needs a rid of 1-%d bytes or an "
                        "SSRC",
                        room->config.meeting_id, participant_id, config->mid, i, SFU_RID_MAX_LEN);
            return FALSE;
        }
        for (j = 0; lc->ssrc != 0 && j < p->n_ssrcs; j++) {
            if (p->ssrcs[j].ssrc == lc->ssrc) {
                g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS,
                            "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                            ": SSRC %08x is already in use",
                            room->config.meeting_id, participant_id, lc->ssrc);
                return FALSE;
            }
        }
    }

    track = g_new0(SfuTrack, 1);
    track->publisher = p;
    copy_name(track->mid, sizeof(track->mid), config->mid);
    track->kind = config->kind;
    track->codec = config->kind == SFU_MEDIA_AUDIO ? SFU_CODEC_OPUS : config->codec;
    track->payload_type = config->payload_type;
    track->clock_rate = config->clock_rate;
    track->feedback = config->feedback != 0 ? config->feedback : SFU_FB_PLI;
    track->n_layers = config->n_layers;
    track->sinks = g_ptr_array_new();
    sfu_audio_level_init(&track->level);
    for (i = 0; i < track->n_layers; i++) {
        SfuLayer *l = &track->layers[i];
        const SfuLayerConfig *lc = &config->layers[i];

        l->track = track;
        l->index = i;
        if (lc->rid != NULL)
            copy_name(l->rid, sizeof(l->rid), lc->rid);
        sfu_rx_stats_init(&l->rx, track->clock_rate);
        sfu_nack_gen_init(&l->missing);
        sfu_delay_trend_init(&l->delay, track->clock_rate);
        sfu_rate_meter_init(&l->rate);
        l->width = lc->width;
        l->height = lc->height;
        l->keyframe_requested_us = NEVER;
        if (track->kind == SFU_MEDIA_VIDEO)
            l->nack = sfu_nack_cache_new(room->config.nack_slots, SFU_MAX_PACKET_LEN,
                                         room->config.nack_max_age_us);
        if (lc->ssrc != 0)
            bind_layer(p, l, lc->ssrc);
    }
    p->tracks[p->n_tracks++] = track;
    sfu_debug("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
              ": publishes %s track %s with %u layer(s)",
              room->config.meeting_id, p->id, track->kind == SFU_MEDIA_AUDIO ? "audio" : "video",
              track->mid, track->n_layers);

    for (i = 0; i < room->taps->len; i++) {
        SfuTap *tap = g_ptr_array_index(room->taps, i);

        for (j = 0; j < tap->selections->len; j++) {
            const SfuTapSelection *sel = &g_array_index(tap->selections, SfuTapSelection, j);

            if ((sel->participant_id == 0 || sel->participant_id == p->id) &&
                sel->kind == track->kind)
                tap_attach_track(tap, track, sel->layer, room->now_us);
        }
    }
    return TRUE;
}

static void remove_track(SfuParticipant *p, SfuTrack *track)
{
    guint i, n = 0;

    for (i = 0; i < p->n_ssrcs; i++) {
        if (p->ssrcs[i].layer->track != track)
            p->ssrcs[n++] = p->ssrcs[i];
    }
    p->n_ssrcs = n;
    for (i = 0, n = 0; i < p->n_tracks; i++) {
        if (p->tracks[i] != track)
            p->tracks[n++] = p->tracks[i];
    }
    p->n_tracks = n;
    track_free(track);
}

gboolean sfu_room_unpublish(SfuRoom *room, guint64 participant_id, const char *mid, GError **error)
{
    SfuParticipant *p;
    SfuTrack *track;

    g_return_val_if_fail(room != NULL, FALSE);
    p = sfu_room_get_participant(room, participant_id);
    track = p != NULL ? sfu_participant_find_track(p, mid) : NULL;
    if (track == NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": participant %" G_GUINT64_FORMAT
                    " publishes no track %s",
                    room->config.meeting_id, participant_id, mid ? mid : "(none)");
        return FALSE;
    }
    remove_track(p, track);
    return TRUE;
}

/* ---- participants ---- */

SfuParticipant *sfu_room_get_participant(SfuRoom *room, guint64 participant_id)
{
    guint i;

    g_return_val_if_fail(room != NULL, NULL);
    for (i = 0; i < room->participants->len; i++) {
        SfuParticipant *p = g_ptr_array_index(room->participants, i);

        if (p->id == participant_id)
            return p;
    }
    return NULL;
}

guint64 sfu_participant_get_id(const SfuParticipant *participant)
{
    g_return_val_if_fail(participant != NULL, 0);
    return participant->id;
}

static gboolean gate_open(const SfuRoom *room, const SfuParticipant *p)
{
    return (p->id == room->floor_holder || room->open_microphones || p->role == SFU_ROLE_CHAIR) &&
           !p->muted_audio;
}

SfuParticipant *sfu_room_add_participant(SfuRoom *room, guint64 participant_id,
                                         const char *display_name, SfuRole role, GError **error)
{
    SfuParticipant *p;

    g_return_val_if_fail(room != NULL, NULL);
    if (participant_id == 0 || role > SFU_ROLE_SITE) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT ": a participant needs a non-zero id and a role",
                    room->config.meeting_id);
        return NULL;
    }
    if (sfu_room_get_participant(room, participant_id) != NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS,
                    "meeting %" G_GINT64_FORMAT ": participant %" G_GUINT64_FORMAT
                    " is already in the room",
                    room->config.meeting_id, participant_id);
        return NULL;
    }
    p = g_new0(SfuParticipant, 1);
    p->room = room;
    p->id = participant_id;
    p->display_name = g_strdup(display_name != NULL ? display_name : "");
    g_snprintf(p->cname, sizeof(p->cname), "phonghop-%" G_GUINT64_FORMAT, participant_id);
    p->role = role;
    p->rtcp_ssrc = g_random_int();
    sfu_uplink_init(&p->uplink, room->config.publisher_max_bps);
    p->subscriptions = g_ptr_array_new();
    p->rtt_us = -1;
    p->send_buf = g_malloc0(SFU_SEND_BUFFER_LEN);
    p->cleanups = g_array_new(FALSE, FALSE, sizeof(SfuCleanup));
    sfu_rate_meter_init(&p->rx_rate);
    sfu_rate_meter_init(&p->tx_rate);
    p->audio_open = gate_open(room, p);
    g_ptr_array_add(room->participants, p);
    sfu_debug("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": joined the room",
              room->config.meeting_id, p->id);
    return p;
}

void sfu_participant_add_cleanup(SfuParticipant *participant, GDestroyNotify func, gpointer data)
{
    SfuCleanup c = {func, data};

    g_return_if_fail(participant != NULL && func != NULL);
    g_array_append_val(participant->cleanups, c);
}

static void participant_free(SfuParticipant *p)
{
    run_cleanups(p->cleanups);
    g_clear_pointer(&p->cleanups, g_array_unref);
    while (p->subscriptions->len > 0)
        sink_destroy(g_ptr_array_index(p->subscriptions, p->subscriptions->len - 1));
    while (p->n_tracks > 0)
        remove_track(p, p->tracks[p->n_tracks - 1]);
    g_clear_pointer(&p->subscriptions, g_ptr_array_unref);
    g_clear_pointer(&p->display_name, g_free);
    g_clear_pointer(&p->send_buf, g_free);
    g_free(p);
}

gboolean sfu_room_remove_participant(SfuRoom *room, guint64 participant_id, GError **error)
{
    SfuParticipant *p;

    g_return_val_if_fail(room != NULL, FALSE);
    p = sfu_room_get_participant(room, participant_id);
    if (p == NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": no participant %" G_GUINT64_FORMAT,
                    room->config.meeting_id, participant_id);
        return FALSE;
    }
    g_ptr_array_remove(room->participants, p);
    sfu_speaker_forget(&room->speaker, p->id);
    participant_free(p);
    return TRUE;
}

gboolean sfu_room_set_role(SfuRoom *room, guint64 participant_id, SfuRole role, GError **error)
{
    SfuParticipant *p;

    g_return_val_if_fail(room != NULL, FALSE);
    p = sfu_room_get_participant(room, participant_id);
    if (p == NULL || role > SFU_ROLE_SITE) {
        g_set_error(
            error, SFU_ROOM_ERROR, p == NULL ? SFU_ROOM_ERROR_NOT_FOUND : SFU_ROOM_ERROR_INVALID,
            "meeting %" G_GINT64_FORMAT ": cannot give participant %" G_GUINT64_FORMAT " role %d",
            room->config.meeting_id, participant_id, (int)role);
        return FALSE;
    }
    p->role = role;
    sfu_room_update_gates(room);
    return TRUE;
}

void sfu_participant_set_transport(SfuParticipant *participant, SfuSide side,
                                   const SfuTransport *transport, gpointer peer,
                                   const SfuExtIds *ext)
{
    SfuLink *link;

    g_return_if_fail(participant != NULL && side < SFU_N_SIDES);
    link = &participant->links[side];
    link->transport = transport;
    link->peer = transport != NULL ? peer : NULL;
    if (transport != NULL && ext != NULL)
        link->ext = *ext;
    else
        memset(&link->ext, 0, sizeof(link->ext));
}

void sfu_room_set_peer_connected(SfuRoom *room, SfuParticipant *participant, gboolean connected)
{
    g_return_if_fail(room != NULL && participant != NULL);
    if (participant->connected == connected)
        return;
    participant->connected = connected;
    sfu_debug("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": peer %s",
              room->config.meeting_id, participant->id, connected ? "up" : "down");
    if (room->events.peer_state != NULL)
        room->events.peer_state(room->user_data, participant->id, connected);
}

/* ---- subscriptions ---- */

static SfuSink *find_subscription(SfuParticipant *subscriber, SfuTrack *track)
{
    guint i;

    for (i = 0; i < subscriber->subscriptions->len; i++) {
        SfuSink *sink = g_ptr_array_index(subscriber->subscriptions, i);

        if (sink->track == track)
            return sink;
    }
    return NULL;
}

gboolean sfu_room_subscribe(SfuRoom *room, guint64 subscriber_id, guint64 publisher_id,
                            const char *mid, const SfuSubscribeConfig *config, gint64 now_us,
                            GError **error)
{
    SfuParticipant *sub, *pub;
    SfuTrack *track;
    SfuSink *sink;
    guint i;

    g_return_val_if_fail(room != NULL && config != NULL, FALSE);
    sub = sfu_room_get_participant(room, subscriber_id);
    pub = sfu_room_get_participant(room, publisher_id);
    track = pub != NULL ? sfu_participant_find_track(pub, mid) : NULL;
    if (sub == NULL || track == NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": %s", room->config.meeting_id,
                    sub == NULL ? "no such subscriber" : "no such track");
        return FALSE;
    }
    if (sub == pub || config->ssrc == 0 || config->payload_type > 127 ||
        (config->mid != NULL && strlen(config->mid) > SFU_MID_MAX_LEN)) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_INVALID,
                    "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                    ": cannot subscribe to %s (own track, no SSRC, bad payload type or mid)",
                    room->config.meeting_id, subscriber_id, mid);
        return FALSE;
    }
    if (find_subscription(sub, track) != NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS,
                    "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                    ": already receives %" G_GUINT64_FORMAT "/%s",
                    room->config.meeting_id, subscriber_id, publisher_id, mid);
        return FALSE;
    }
    for (i = 0; i < sub->subscriptions->len; i++) {
        if (((SfuSink *)g_ptr_array_index(sub->subscriptions, i))->ssrc == config->ssrc) {
            g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_EXISTS,
                        "meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                        ": SSRC %08x already names another track",
                        room->config.meeting_id, subscriber_id, config->ssrc);
            return FALSE;
        }
    }

    sink = sink_new(track, config->ssrc, config->payload_type, config->mid);
    sink->subscriber = sub;
    place_subscription(sub, sink);
    if (track->kind == SFU_MEDIA_AUDIO)
        sfu_sink_set_layer(room, sink, 0, now_us);
    else
        sfu_participant_allocate_layers(room, sub, now_us);
    return TRUE;
}

static SfuSink *lookup_subscription(SfuRoom *room, guint64 subscriber_id, guint64 publisher_id,
                                    const char *mid, GError **error)
{
    SfuParticipant *sub = sfu_room_get_participant(room, subscriber_id);
    SfuParticipant *pub = sfu_room_get_participant(room, publisher_id);
    SfuTrack *track = pub != NULL ? sfu_participant_find_track(pub, mid) : NULL;
    SfuSink *sink = sub != NULL && track != NULL ? find_subscription(sub, track) : NULL;

    if (sink == NULL)
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": participant %" G_GUINT64_FORMAT
                    " does not receive %" G_GUINT64_FORMAT "/%s",
                    room->config.meeting_id, subscriber_id, publisher_id, mid ? mid : "(none)");
    return sink;
}

gboolean sfu_room_unsubscribe(SfuRoom *room, guint64 subscriber_id, guint64 publisher_id,
                              const char *mid, GError **error)
{
    SfuSink *sink;

    g_return_val_if_fail(room != NULL, FALSE);
    sink = lookup_subscription(room, subscriber_id, publisher_id, mid, error);
    if (sink == NULL)
        return FALSE;
    sink_destroy(sink);
    return TRUE;
}

gboolean sfu_room_set_view(SfuRoom *room, guint64 subscriber_id, guint64 publisher_id,
                           guint16 width, guint16 height, gint64 now_us, GError **error)
{
    SfuParticipant *sub, *pub;
    gboolean found = FALSE;
    guint i;

    g_return_val_if_fail(room != NULL, FALSE);
    sub = sfu_room_get_participant(room, subscriber_id);
    pub = sfu_room_get_participant(room, publisher_id);
    for (i = 0; sub != NULL && pub != NULL && i < pub->n_tracks; i++) {
        SfuSink *sink;

        if (pub->tracks[i]->kind != SFU_MEDIA_VIDEO)
            continue;
        sink = find_subscription(sub, pub->tracks[i]);
        if (sink == NULL)
            continue;
        sink->view_width = width;
        sink->view_height = height;
        if (width == 0 || height == 0)
            sink->view_width = sink->view_height = 0;
        place_subscription(sub, sink);
        found = TRUE;
    }
    if (!found) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": participant %" G_GUINT64_FORMAT
                    " receives no video from %" G_GUINT64_FORMAT,
                    room->config.meeting_id, subscriber_id, publisher_id);
        return FALSE;
    }
    sfu_participant_allocate_layers(room, sub, now_us);
    return TRUE;
}

/* ---- the floor ---- */

void sfu_room_update_gates(SfuRoom *room)
{
    guint i, t, s;

    for (i = 0; i < room->participants->len; i++) {
        SfuParticipant *p = g_ptr_array_index(room->participants, i);
        gboolean open = gate_open(room, p);

        if (open && !p->audio_open) {
            for (t = 0; t < p->n_tracks; t++) {
                SfuTrack *track = p->tracks[t];

                if (track->kind != SFU_MEDIA_AUDIO)
                    continue;
                for (s = 0; s < track->sinks->len; s++)
                    sfu_rewriter_resync(&((SfuSink *)g_ptr_array_index(track->sinks, s))->rw);
                sfu_audio_level_init(&track->level);
            }
        }
        p->audio_open = open;
    }
}

static void floor_applied(SfuRoom *room)
{
    sfu_debug("meeting %" G_GINT64_FORMAT ": floor %" G_GUINT64_FORMAT ", microphones %s",
              room->config.meeting_id, room->floor_holder,
              room->open_microphones ? "all open" : "gated");
    if (room->events.floor_applied != NULL)
        room->events.floor_applied(room->user_data, room->floor_holder, room->open_microphones);
}

void sfu_room_set_floor(SfuRoom *room, guint64 participant_id)
{
    g_return_if_fail(room != NULL);
    room->floor_holder = participant_id;
    sfu_room_update_gates(room);
    floor_applied(room);
}

void sfu_room_set_open_microphones(SfuRoom *room, gboolean open)
{
    g_return_if_fail(room != NULL);
    room->open_microphones = open != FALSE;
    sfu_room_update_gates(room);
    floor_applied(room);
}

guint64 sfu_room_get_floor(const SfuRoom *room)
{
    g_return_val_if_fail(room != NULL, 0);
    return room->floor_holder;
}

gboolean sfu_room_get_open_microphones(const SfuRoom *room)
{
    g_return_val_if_fail(room != NULL, FALSE);
    return room->open_microphones;
}

gboolean sfu_participant_is_audio_open(const SfuParticipant *participant)
{
    g_return_val_if_fail(participant != NULL, FALSE);
    return participant->audio_open;
}

gboolean sfu_room_mute(SfuRoom *room, guint64 participant_id, SfuMediaKind kind, gboolean muted,
                       gint64 now_us, GError **error)
{
    SfuParticipant *p;
    guint t, s;

    g_return_val_if_fail(room != NULL, FALSE);
    p = sfu_room_get_participant(room, participant_id);
    if (p == NULL) {
        g_set_error(error, SFU_ROOM_ERROR, SFU_ROOM_ERROR_NOT_FOUND,
                    "meeting %" G_GINT64_FORMAT ": no participant %" G_GUINT64_FORMAT,
                    room->config.meeting_id, participant_id);
        return FALSE;
    }
    muted = muted != FALSE;
    if (kind == SFU_MEDIA_AUDIO) {
        p->muted_audio = muted;
        sfu_room_update_gates(room);
    } else if (p->muted_video != muted) {
        p->muted_video = muted;
        for (t = 0; !muted && t < p->n_tracks; t++) {
            SfuTrack *track = p->tracks[t];

            if (track->kind != SFU_MEDIA_VIDEO)
                continue;
            /* The subscribers' decoders lost their reference frames: resume on a key frame. */
            for (s = 0; s < track->sinks->len; s++) {
                SfuSink *sink = g_ptr_array_index(track->sinks, s);

                if (sink->layer < 0 || !track->layers[sink->layer].bound)
                    continue;
                sfu_rewriter_resync(&sink->rw);
                sink->waiting = TRUE;
                sink->waiting_since = now_us;
                sfu_layer_request_keyframe(room, &track->layers[sink->layer], now_us);
            }
        }
    }
    sfu_debug("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT ": %s %s by the chair",
              room->config.meeting_id, p->id, kind == SFU_MEDIA_AUDIO ? "audio" : "video",
              muted ? "muted" : "unmuted");
    if (room->events.mute_applied != NULL)
        room->events.mute_applied(room->user_data, p->id, kind, muted);
    return TRUE;
}

/* ---- taps ---- */

SfuTap *sfu_room_add_tap(SfuRoom *room, const SfuTapFuncs *funcs, gpointer user_data,
                         GDestroyNotify destroy)
{
    SfuTap *tap;

    g_return_val_if_fail(room != NULL && funcs != NULL && funcs->rtp != NULL, NULL);
    tap = g_new0(SfuTap, 1);
    tap->room = room;
    tap->funcs = *funcs;
    tap->user_data = user_data;
    tap->destroy = destroy;
    tap->selections = g_array_new(FALSE, FALSE, sizeof(SfuTapSelection));
    tap->sinks = g_ptr_array_new();
    tap->buf = g_malloc0(SFU_SEND_BUFFER_LEN);
    g_ptr_array_add(room->taps, tap);
    return tap;
}

static void tap_free(SfuTap *tap)
{
    while (tap->sinks->len > 0)
        sink_destroy(g_ptr_array_index(tap->sinks, tap->sinks->len - 1));
    if (tap->destroy != NULL)
        tap->destroy(tap->user_data);
    g_clear_pointer(&tap->selections, g_array_unref);
    g_clear_pointer(&tap->sinks, g_ptr_array_unref);
    g_clear_pointer(&tap->buf, g_free);
    g_free(tap);
}

void sfu_room_remove_tap(SfuRoom *room, SfuTap *tap)
{
    g_return_if_fail(room != NULL && tap != NULL && tap->room == room);
    if (g_ptr_array_remove(room->taps, tap))
        tap_free(tap);
}

static SfuSink *tap_find_sink(SfuTap *tap, SfuTrack *track)
{
    guint i;

    for (i = 0; i < tap->sinks->len; i++) {
        SfuSink *sink = g_ptr_array_index(tap->sinks, i);

        if (sink->track == track)
            return sink;
    }
    return NULL;
}

static void tap_attach_track(SfuTap *tap, SfuTrack *track, gint layer, gint64 now_us)
{
    SfuSink *sink = tap_find_sink(tap, track);

    if (sink == NULL) {
        SfuTapTrack *t;

        sink = sink_new(track, g_random_int() | 1, -1, NULL);
        sink->tap = tap;
        g_ptr_array_add(tap->sinks, sink);
        t = &sink->tap_track;
        t->participant_id = track->publisher->id;
        memcpy(t->mid, track->mid, sizeof(t->mid));
        t->kind = track->kind;
        t->codec = track->codec;
        t->payload_type = sink->payload_type;
        t->clock_rate = track->clock_rate;
        t->ssrc = sink->ssrc;
        if (tap->funcs.track_added != NULL)
            tap->funcs.track_added(tap->user_data, t);
    }
    sink->fixed_layer = layer;
    sfu_sink_set_layer(tap->room, sink, tap_layer(sink, now_us), now_us);
}

void sfu_tap_select(SfuTap *tap, guint64 participant_id, SfuMediaKind kind, gint layer,
                    gint64 now_us)
{
    SfuTapSelection sel = {participant_id, kind, layer};
    guint i, j;

    g_return_if_fail(tap != NULL);
    for (i = 0; i < tap->selections->len; i++) {
        SfuTapSelection *old = &g_array_index(tap->selections, SfuTapSelection, i);

        if (old->participant_id == participant_id && old->kind == kind) {
            old->layer = layer;
            break;
        }
    }
    if (i == tap->selections->len)
        g_array_append_val(tap->selections, sel);

    for (j = 0; j < tap->room->participants->len; j++) {
        SfuParticipant *p = g_ptr_array_index(tap->room->participants, j);

        if (participant_id != 0 && p->id != participant_id)
            continue;
        for (i = 0; i < p->n_tracks; i++) {
            if (p->tracks[i]->kind == kind)
                tap_attach_track(tap, p->tracks[i], layer, now_us);
        }
    }
}

void sfu_tap_unselect(SfuTap *tap, guint64 participant_id, SfuMediaKind kind)
{
    guint i;

    g_return_if_fail(tap != NULL);
    for (i = tap->selections->len; i > 0; i--) {
        SfuTapSelection *sel = &g_array_index(tap->selections, SfuTapSelection, i - 1);

        if (sel->participant_id == participant_id && sel->kind == kind)
            g_array_remove_index(tap->selections, i - 1);
    }
    for (i = tap->sinks->len; i > 0; i--) {
        SfuSink *sink = g_ptr_array_index(tap->sinks, i - 1);

        if ((participant_id == 0 || sink->track->publisher->id == participant_id) &&
            sink->track->kind == kind)
            sink_destroy(sink);
    }
}

void sfu_tap_request_keyframe(SfuTap *tap, guint64 participant_id, gint64 now_us)
{
    guint i;

    g_return_if_fail(tap != NULL);
    for (i = 0; i < tap->sinks->len; i++) {
        SfuSink *sink = g_ptr_array_index(tap->sinks, i);

        if (sink->track->publisher->id == participant_id && sink->track->kind == SFU_MEDIA_VIDEO &&
            sink->layer >= 0)
            sfu_layer_request_keyframe(tap->room, &sink->track->layers[sink->layer], now_us);
    }
}
