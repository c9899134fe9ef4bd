/* sfu-rtcp.c: RTCP in and out, key frame requests, layer allocation and the room's timer.
 *
 * Design: RTCP from a participant is read one packet of the compound at a time (rtcp.h). What a
 * publisher sends about its own streams (sender reports) is kept per layer; what a subscriber
 * sends about the streams we send it is found by the media SSRC, which is the subscription's own
 * SSRC: receiver report blocks (loss, jitter, and the round trip from LSR/DLSR against the sender
 * reports we remember sending, RFC 3550 §6.4.1), generic NACK (answered from the cache,
 * sfu-forward.c), PLI and FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1: turned into a request to the
 * publisher for the layer that subscriber is getting) and REMB (its bandwidth estimate, which
 * re-runs its layer allocation at once).
 *
 * Key frame requests are rate-limited per publisher layer: many subscribers asking within the
 * interval cost the publisher one key frame, and one that arrives inside the interval is
 * remembered and sent when it ends (a request is never lost, only merged). A sink that still
 * waits for its key frame a second after asking asks again: PLIs travel over UDP too.
 *
 * Sender reports to subscribers translate the publisher's own report on the layer being
 * forwarded: its NTP time extrapolated to now keeps the publisher's clock, and its RTP time goes
 * through the sink's current timestamp offset, so the subscriber's (and rtpbin's) audio/video
 * synchronisation is the publisher's, as GSTREAMER.md found necessary for recordings. No report
 * is sent for a stream whose publisher has not reported yet: a made-up mapping would be worse
 * than none.
 *
 * Allocation gives a subscriber's budget (its REMB, less what its audio takes) to its video
 * subscriptions in the order they are kept, largest view first, each taking the layer
 * sfu_layer_choose() allows and leaving the rest to the next.
 */
#include "router/sfu-room-private.h"

#include <errno.h>
#include <string.h>

#include "transport/srtp.h"

/* ---- sending RTCP ---- */

static void send_rtcp(SfuRoom *room, SfuParticipant *p, SfuSide side, gsize len)
{
    SfuLink *link = &p->links[side];

    if (link->transport == NULL || link->transport->send_rtcp == NULL)
        return;
    if (link->transport->send_rtcp(link->peer, room->rtcp_buf, len, SFU_RTCP_BUFFER_LEN) < 0)
        room->counters.send_errors++;
}

void sfu_layer_request_keyframe(SfuRoom *room, SfuLayer *layer, gint64 now_us)
{
    SfuParticipant *pub = layer->track->publisher;
    RtcpWriter w;
    int len;

    if (!layer->bound || pub->links[SFU_SIDE_PUBLISH].transport == NULL ||
        now_us - layer->keyframe_requested_us < room->config.keyframe_min_interval_us) {
        layer->keyframe_wanted = TRUE;
        return;
    }
    /* RFC 4585 §3.1 wants feedback inside a compound that starts with a report; an RR without
     * blocks is the smallest one. */
    rtcp_writer_init(&w, room->rtcp_buf, SFU_RTCP_BUFFER_LEN - SRTP_SESSION_MAX_OVERHEAD);
    rtcp_writer_add_rr(&w, pub->rtcp_ssrc, NULL, 0);
    /* PLI (RFC 4585 §6.3.1) when negotiated; FIR (RFC 5104 §4.3.1) where only ccm fir was, with
     * a new sequence number for each new request (§4.3.1.1). */
    if ((layer->track->feedback & SFU_FB_PLI) || !(layer->track->feedback & SFU_FB_FIR))
        rtcp_writer_add_pli(&w, pub->rtcp_ssrc, layer->ssrc);
    else
        rtcp_writer_add_fir(&w, pub->rtcp_ssrc, layer->ssrc, ++layer->fir_seq);
    len = rtcp_writer_finish(&w);
    if (len < 0)
        return;
    layer->keyframe_requested_us = now_us;
    layer->keyframe_wanted = FALSE;
    room->counters.keyframe_requests++;
    send_rtcp(room, pub, SFU_SIDE_PUBLISH, (gsize)len);
}

/* How long before a packet is NACKed again: a round trip and a little, when we know it (a
 * participant that also subscribes on the same connection answers our sender reports). */
static gint64 nack_retry_us(const SfuParticipant *p)
{
    if (p->rtt_us > 0)
        return CLAMP(p->rtt_us + p->rtt_us / 2, 20 * 1000, 400 * 1000);
    return 100 * 1000;
}

/* Whether a subscriber or a tap takes @layer now (or is switching to it): a loss on a simulcast
 * layer nobody receives is not worth the publisher's bandwidth to repair. */
static gboolean layer_is_forwarded(const SfuLayer *layer)
{
    guint i;

    for (i = 0; i < layer->track->sinks->len; i++) {
        const SfuSink *sink = g_ptr_array_index(layer->track->sinks, i);
        guint32 current;

        if (sink->layer == (gint)layer->index ||
            (sfu_rewriter_get_current(&sink->rw, &current) && current == layer->ssrc))
            return TRUE;
    }
    return FALSE;
}

void sfu_layer_send_nacks(SfuRoom *room, SfuLayer *layer, gint64 now_us)
{
    SfuParticipant *pub = layer->track->publisher;
    guint16 seqs[SFU_NACK_GEN_MAX];
    RtcpWriter w;
    gsize n;
    int len;

    if (!layer->bound || pub->links[SFU_SIDE_PUBLISH].transport == NULL ||
        sfu_nack_gen_pending(&layer->missing) == 0)
        return;
    if (!layer_is_forwarded(layer)) {
        layer->missing.given_up += layer->missing.n;
        layer->missing.n = 0;
        return;
    }
    n = sfu_nack_gen_collect(&layer->missing, now_us, nack_retry_us(pub), seqs, G_N_ELEMENTS(seqs));
    if (n == 0)
        return;
    rtcp_writer_init(&w, room->rtcp_buf, SFU_RTCP_BUFFER_LEN - SRTP_SESSION_MAX_OVERHEAD);
    rtcp_writer_add_rr(&w, pub->rtcp_ssrc, NULL, 0);
    rtcp_writer_add_nack(&w, pub->rtcp_ssrc, layer->ssrc, seqs, n);
    len = rtcp_writer_finish(&w);
    if (len < 0)
        return;
    room->counters.nacks_sent += n;
    send_rtcp(room, pub, SFU_SIDE_PUBLISH, (gsize)len);
}

/* The publisher's REMB (sfu-uplink.h), once per report interval, for the SSRCs of the tracks
 * that negotiated goog-remb. */
static void send_publisher_remb(SfuRoom *room, SfuParticipant *p, gint64 now_us)
{
    guint32 ssrcs[SFU_MAX_STREAMS];
    guint i, n = 0;
    guint8 worst_lost = 0;
    gint64 queuing_ms = 0;
    guint64 estimate;
    RtcpWriter w;
    int len;

    for (i = 0; i < p->n_ssrcs; i++) {
        SfuLayer *l = p->ssrcs[i].layer;
        gint64 queuing = sfu_delay_trend_close(&l->delay); /* once: it starts a new interval */

        queuing_ms = MAX(queuing_ms, queuing);
        worst_lost = MAX(worst_lost, l->last_fraction_lost);
        if (l->track->feedback & SFU_FB_REMB)
            ssrcs[n++] = l->ssrc;
    }
    if (n == 0 || p->links[SFU_SIDE_PUBLISH].transport == NULL)
        return;
    estimate = sfu_uplink_update(&p->uplink, sfu_rate_meter_get_bps(&p->rx_rate, now_us),
                                 worst_lost / 256.0, queuing_ms);
    rtcp_writer_init(&w, room->rtcp_buf, SFU_RTCP_BUFFER_LEN - SRTP_SESSION_MAX_OVERHEAD);
    rtcp_writer_add_rr(&w, p->rtcp_ssrc, NULL, 0);
    rtcp_writer_add_remb(&w, p->rtcp_ssrc, estimate, ssrcs, n);
    len = rtcp_writer_finish(&w);
    if (len < 0)
        return;
    room->counters.remb_sent++;
    send_rtcp(room, p, SFU_SIDE_PUBLISH, (gsize)len);
}

static void send_receiver_report(SfuRoom *room, SfuParticipant *p, gint64 now_us)
{
    RtcpReportBlock blocks[SFU_MAX_STREAMS];
    guint i, n = 0;
    RtcpWriter w;
    int len;

    if (p->links[SFU_SIDE_PUBLISH].transport == NULL)
        return;
    for (i = 0; i < p->n_ssrcs; i++) {
        SfuLayer *l = p->ssrcs[i].layer;

        if (sfu_rx_stats_take_report_block(&l->rx, l->ssrc, now_us, &blocks[n])) {
            l->last_fraction_lost = blocks[n].fraction_lost;
            n++;
        }
    }
    if (n == 0)
        return;
    rtcp_writer_init(&w, room->rtcp_buf, SFU_RTCP_BUFFER_LEN - SRTP_SESSION_MAX_OVERHEAD);
    rtcp_writer_add_rr(&w, p->rtcp_ssrc, blocks, n);
    rtcp_writer_add_sdes_cname(&w, p->rtcp_ssrc, "phonghop");
    len = rtcp_writer_finish(&w);
    if (len < 0)
        return;
    room->counters.reports_sent++;
    send_rtcp(room, p, SFU_SIDE_PUBLISH, (gsize)len);
}

/* 32.32 NTP time plus @us microseconds. */
static guint64 ntp_add_us(guint64 ntp, gint64 us)
{
    guint64 u = (guint64)MAX(us, 0);

    return ntp + ((u / G_USEC_PER_SEC) << 32) + ((u % G_USEC_PER_SEC) << 32) / G_USEC_PER_SEC;
}

static guint32 rtp_ticks(gint64 us, guint32 clock_rate)
{
    guint64 u = (guint64)MAX(us, 0);

    return (guint32)((u / G_USEC_PER_SEC) * clock_rate +
                     (u % G_USEC_PER_SEC) * clock_rate / G_USEC_PER_SEC);
}

/* The sender information for @sink as of @now_us; FALSE when there is nothing true to say. */
static gboolean sink_sender_info(SfuSink *sink, gint64 now_us, RtcpSenderInfo *info)
{
    const SfuRewriterSegment *seg;
    SfuLayer *layer;
    guint32 in_ssrc;
    gint64 elapsed;

    if (sink->packets == 0 || !sfu_rewriter_get_current(&sink->rw, &in_ssrc))
        return FALSE;
    layer = sfu_track_find_layer(sink->track, in_ssrc);
    if (layer == NULL || !layer->have_sr)
        return FALSE;
    seg = &sink->rw.segments[sink->rw.current];
    elapsed = now_us - layer->sr_arrival_us;
    info->ntp_timestamp = ntp_add_us(layer->sr_ntp, elapsed);
    info->rtp_timestamp =
        layer->sr_rtp + rtp_ticks(elapsed, sink->track->clock_rate) + seg->ts_delta;
    info->packet_count = (guint32)sink->packets;
    info->octet_count = (guint32)sink->octets;
    return TRUE;
}

static void remember_sender_report(SfuSink *sink, const RtcpSenderInfo *info, gint64 now_us)
{
    sink->sr_lsr[sink->sr_next] = (guint32)(info->ntp_timestamp >> 16);
    sink->sr_sent_us[sink->sr_next] = now_us;
    sink->sr_next = (sink->sr_next + 1) % SFU_SR_HISTORY;
}

/* Sender reports for every stream we send @sub, as few compounds as fit in an MTU. */
static void send_sender_reports(SfuRoom *room, SfuParticipant *sub, gint64 now_us)
{
    RtcpWriter w;
    guint i, in_compound = 0;

    if (sub->links[SFU_SIDE_SUBSCRIBE].transport == NULL)
        return;
    rtcp_writer_init(&w, room->rtcp_buf, SFU_RTCP_MAX_COMPOUND);
    for (i = 0; i < sub->subscriptions->len; i++) {
        SfuSink *sink = g_ptr_array_index(sub->subscriptions, i);
        RtcpSenderInfo info;
        gsize mark = w.len;

        if (!sink_sender_info(sink, now_us, &info))
            continue;
        rtcp_writer_add_sr(&w, sink->ssrc, &info, NULL, 0);
        rtcp_writer_add_sdes_cname(&w, sink->ssrc, sink->track->publisher->cname);
        if (w.error != 0 && in_compound > 0) {
            /* Full: send what fits, then start the next compound with this stream. */
            send_rtcp(room, sub, SFU_SIDE_SUBSCRIBE, mark);
            room->counters.reports_sent++;
            rtcp_writer_init(&w, room->rtcp_buf, SFU_RTCP_MAX_COMPOUND);
            in_compound = 0;
            rtcp_writer_add_sr(&w, sink->ssrc, &info, NULL, 0);
            rtcp_writer_add_sdes_cname(&w, sink->ssrc, sink->track->publisher->cname);
        }
        if (w.error != 0)
            return;
        remember_sender_report(sink, &info, now_us);
        in_compound++;
    }
    if (in_compound > 0) {
        send_rtcp(room, sub, SFU_SIDE_SUBSCRIBE, w.len);
        room->counters.reports_sent++;
    }
}

/* Taps get one compound per stream (SR and the publisher's CNAME), as rtpbin takes them. */
static void send_tap_reports(SfuRoom *room, SfuTap *tap, gint64 now_us)
{
    guint i;

    if (tap->funcs.rtcp == NULL)
        return;
    for (i = 0; i < tap->sinks->len; i++) {
        SfuSink *sink = g_ptr_array_index(tap->sinks, i);
        RtcpSenderInfo info;
        RtcpWriter w;
        int len;

        if (!sink_sender_info(sink, now_us, &info))
            continue;
        rtcp_writer_init(&w, room->rtcp_buf, SFU_RTCP_MAX_COMPOUND);
        rtcp_writer_add_sr(&w, sink->ssrc, &info, NULL, 0);
        rtcp_writer_add_sdes_cname(&w, sink->ssrc, sink->track->publisher->cname);
        len = rtcp_writer_finish(&w);
        if (len < 0)
            continue;
        tap->funcs.rtcp(tap->user_data, &sink->tap_track, room->rtcp_buf, (gsize)len);
    }
}

/* ---- receiving RTCP ---- */

static SfuSink *find_sink(SfuParticipant *subscriber, guint32 ssrc)
{
    guint i;

    for (i = 0; i < subscriber->subscriptions->len; i++) {
        SfuSink *sink = g_ptr_array_index(subscriber->subscriptions, i);

        if (sink->ssrc == ssrc)
            return sink;
    }
    return NULL;
}

static void on_report_blocks(SfuParticipant *from, const RtcpReport *report, gint64 now_us)
{
    guint i, k;

    for (i = 0; i < report->n_blocks; i++) {
        RtcpReportBlock block;
        SfuSink *sink;

        rtcp_report_get_block(report, i, &block);
        sink = find_sink(from, block.ssrc);
        if (sink == NULL)
            continue;
        sink->fraction_lost = block.fraction_lost;
        sink->jitter = block.jitter;
        if (block.lsr == 0)
            continue;
        /* RFC 3550 §6.4.1: round trip = arrival - LSR - DLSR; we kept when each SR left. */
        for (k = 0; k < SFU_SR_HISTORY; k++) {
            if (sink->sr_lsr[k] == block.lsr) {
                gint64 rtt =
                    now_us - sink->sr_sent_us[k] - (gint64)block.dlsr * G_USEC_PER_SEC / 65536;

                if (rtt >= 0)
                    from->rtt_us = rtt;
                break;
            }
        }
    }
}

static void on_sender_report(SfuParticipant *from, const RtcpReport *report, gint64 now_us)
{
    SfuLayer *layer = sfu_participant_find_stream(from, report->ssrc);

    if (layer == NULL)
        return;
    sfu_rx_stats_sender_report(&layer->rx, report->sender_info.ntp_timestamp, now_us);
    layer->have_sr = TRUE;
    layer->sr_ntp = report->sender_info.ntp_timestamp;
    layer->sr_rtp = report->sender_info.rtp_timestamp;
    layer->sr_arrival_us = now_us;
}

/* A subscriber wants a key frame of what it gets: ask for the layer it is being switched to, or
 * the one it is getting. */
static void on_keyframe_request(SfuRoom *room, SfuParticipant *from, guint32 media_ssrc,
                                gint64 now_us)
{
    SfuSink *sink = find_sink(from, media_ssrc);

    if (sink == NULL || sink->track->kind != SFU_MEDIA_VIDEO || sink->layer < 0)
        return;
    sfu_layer_request_keyframe(room, &sink->track->layers[sink->layer], now_us);
}

static void on_feedback(SfuRoom *room, SfuParticipant *from, const RtcpPacket *pkt, gint64 now_us)
{
    RtcpFeedback fb;
    RtcpRemb remb;
    guint i;

    if (rtcp_feedback_parse(pkt, &fb) < 0)
        return;
    if (pkt->type == RTCP_TYPE_RTPFB && fb.fmt == RTCP_RTPFB_FMT_NACK) {
        guint16 seqs[SFU_NACK_MAX_PER_PACKET];
        SfuSink *sink = find_sink(from, fb.media_ssrc);
        gsize n;

        if (sink == NULL || rtcp_nack_parse(pkt, &fb) < 0)
            return;
        n = rtcp_nack_expand(&fb, seqs, G_N_ELEMENTS(seqs));
        sfu_sink_answer_nack(room, sink, seqs, n, now_us);
    } else if (pkt->type == RTCP_TYPE_PSFB && fb.fmt == RTCP_PSFB_FMT_PLI) {
        on_keyframe_request(room, from, fb.media_ssrc, now_us);
    } else if (pkt->type == RTCP_TYPE_PSFB && fb.fmt == RTCP_PSFB_FMT_FIR) {
        if (rtcp_fir_parse(pkt, &fb) < 0)
            return;
        for (i = 0; i < rtcp_fir_get_n_items(&fb); i++) {
            guint32 ssrc;
            guint8 seq_nr;

            rtcp_fir_get_item(&fb, i, &ssrc, &seq_nr);
            on_keyframe_request(room, from, ssrc, now_us);
        }
    } else if (pkt->type == RTCP_TYPE_PSFB && fb.fmt == RTCP_PSFB_FMT_AFB &&
               rtcp_remb_parse(pkt, &remb) == 0) {
        from->estimate_bps = remb.bitrate;
        from->has_estimate = TRUE;
        sfu_participant_allocate_layers(room, from, now_us);
    }
}

int sfu_room_on_rtcp(SfuRoom *room, SfuParticipant *from, const guint8 *buf, gsize len,
                     gint64 now_us)
{
    RtcpIter iter;
    RtcpPacket pkt;
    RtcpReport report;
    int r;

    g_return_val_if_fail(room != NULL && from != NULL && buf != NULL, -EINVAL);
    if (now_us > room->now_us)
        room->now_us = now_us;
    rtcp_iter_init(&iter, buf, len);
    while ((r = rtcp_iter_next(&iter, &pkt)) > 0) {
        switch (pkt.type) {
        case RTCP_TYPE_SR:
            if (rtcp_report_parse(&pkt, &report) == 0) {
                on_sender_report(from, &report, now_us);
                on_report_blocks(from, &report, now_us);
            }
            break;
        case RTCP_TYPE_RR:
            if (rtcp_report_parse(&pkt, &report) == 0)
                on_report_blocks(from, &report, now_us);
            break;
        case RTCP_TYPE_RTPFB:
        case RTCP_TYPE_PSFB:
            on_feedback(room, from, &pkt, now_us);
            break;
        default:
            break; /* SDES, BYE, APP, XR: nothing the router needs */
        }
    }
    if (r < 0)
        room->counters.rx_malformed++;
    return r < 0 ? r : 0;
}

/* ---- layers ---- */

void sfu_participant_allocate_layers(SfuRoom *room, SfuParticipant *subscriber, gint64 now_us)
{
    guint64 budget =
        subscriber->has_estimate ? subscriber->estimate_bps : room->config.initial_estimate_bps;
    guint i, k;

    for (i = 0; i < subscriber->subscriptions->len; i++) {
        SfuSink *sink = g_ptr_array_index(subscriber->subscriptions, i);
        SfuTrack *track = sink->track;
        SfuLayerInfo info[SFU_MAX_LAYERS];
        gint choice;

        if (track->kind == SFU_MEDIA_AUDIO) {
            guint64 audio_bps = sfu_rate_meter_get_bps(&sink->rate, now_us);

            budget -= MIN(budget, audio_bps);
            continue;
        }
        for (k = 0; k < track->n_layers; k++) {
            SfuLayer *l = &track->layers[k];

            info[k].active =
                l->bound && l->seen && now_us - l->last_packet_us < SFU_LAYER_INACTIVE_US;
            info[k].bitrate_bps = sfu_rate_meter_get_bps(&l->rate, now_us);
            info[k].width = l->width;
            info[k].height = l->height;
        }
        choice =
            sfu_layer_choose(info, track->n_layers, sink->layer, budget, sink->view_width,
                             sink->view_height, now_us - sink->switched_us >= SFU_LAYER_UP_HOLD_US);
        if (choice != sink->layer)
            sfu_debug("meeting %" G_GINT64_FORMAT " participant %" G_GUINT64_FORMAT
                      ": %" G_GUINT64_FORMAT "/%s layer %d -> %d (budget %" G_GUINT64_FORMAT
                      " b/s)",
                      room->config.meeting_id, subscriber->id, track->publisher->id, track->mid,
                      sink->layer, choice, budget);
        sfu_sink_set_layer(room, sink, choice, now_us);
        if (choice >= 0)
            budget -= MIN(budget, info[choice].bitrate_bps);
    }
}

/* ---- the timer ---- */

static void retry_keyframes(SfuRoom *room, SfuParticipant *p, gint64 now_us)
{
    guint t, k, s;

    for (t = 0; t < p->n_tracks; t++) {
        SfuTrack *track = p->tracks[t];

        if (track->kind != SFU_MEDIA_VIDEO)
            continue;
        for (s = 0; s < track->sinks->len; s++) {
            SfuSink *sink = g_ptr_array_index(track->sinks, s);

            if (sink->waiting && sink->layer >= 0 &&
                now_us - sink->waiting_since >= SFU_KEYFRAME_RETRY_US) {
                sink->waiting_since = now_us;
                track->layers[sink->layer].keyframe_wanted = TRUE;
            }
        }
        for (k = 0; k < track->n_layers; k++) {
            if (track->layers[k].keyframe_wanted)
                sfu_layer_request_keyframe(room, &track->layers[k], now_us);
            sfu_layer_send_nacks(room, &track->layers[k], now_us);
        }
    }
}

static void decide_speaker(SfuRoom *room, gint64 now_us)
{
    guint64 speaker;
    guint i, t;

    sfu_speaker_begin(&room->speaker);
    for (i = 0; i < room->participants->len; i++) {
        SfuParticipant *p = g_ptr_array_index(room->participants, i);
        guint32 best = 0;
        gboolean has_audio = FALSE;

        for (t = 0; t < p->n_tracks; t++) {
            if (p->tracks[t]->kind == SFU_MEDIA_AUDIO) {
                guint32 score = sfu_audio_level_close_interval(&p->tracks[t]->level);

                best = MAX(best, score);
                has_audio = TRUE;
            }
        }
        if (has_audio)
            sfu_speaker_offer(&room->speaker, p->id, p->audio_open ? best : 0);
    }
    if (sfu_speaker_finish(&room->speaker, now_us, &speaker)) {
        sfu_debug("meeting %" G_GINT64_FORMAT ": active speaker %" G_GUINT64_FORMAT,
                  room->config.meeting_id, speaker);
        if (room->events.active_speaker != NULL)
            room->events.active_speaker(room->user_data, speaker);
    }
}

static gint sink_current_layer(const SfuSink *sink)
{
    guint32 ssrc;
    guint k;

    if (!sfu_rewriter_get_current(&sink->rw, &ssrc))
        return -1;
    for (k = 0; k < sink->track->n_layers; k++) {
        if (sink->track->layers[k].bound && sink->track->layers[k].ssrc == ssrc)
            return (gint)k;
    }
    return -1;
}

GArray *sfu_room_collect_stats(SfuRoom *room, gint64 now_us)
{
    GArray *all;
    guint i, k;

    g_return_val_if_fail(room != NULL, NULL);
    all = g_array_sized_new(FALSE, TRUE, sizeof(SfuPeerStats), room->participants->len);
    for (i = 0; i < room->participants->len; i++) {
        SfuParticipant *p = g_ptr_array_index(room->participants, i);
        SfuPeerStats st = {0};
        guint8 rx_lost = 0, tx_lost = 0;

        st.participant_id = p->id;
        st.role = p->role;
        st.connected = p->connected;
        st.audio_open = p->audio_open;
        st.muted_audio = p->muted_audio;
        st.muted_video = p->muted_video;
        st.rx_bitrate_bps = sfu_rate_meter_get_bps(&p->rx_rate, now_us);
        st.tx_bitrate_bps = sfu_rate_meter_get_bps(&p->tx_rate, now_us);
        st.rx_packets = p->rx_packets;
        for (k = 0; k < p->n_ssrcs; k++) {
            SfuLayer *l = p->ssrcs[k].layer;

            st.rx_lost += sfu_rx_stats_get_cumulative_lost(&l->rx);
            rx_lost = MAX(rx_lost, l->last_fraction_lost);
        }
        st.layer = -1;
        for (k = 0; k < p->subscriptions->len; k++) {
            SfuSink *sink = g_ptr_array_index(p->subscriptions, k);

            tx_lost = MAX(tx_lost, sink->fraction_lost);
            if (st.layer < 0 && sink->track->kind == SFU_MEDIA_VIDEO)
                st.layer = sink_current_layer(sink);
        }
        st.rx_loss = rx_lost / 256.0;
        st.tx_loss = tx_lost / 256.0;
        st.rtt_us = p->rtt_us;
        st.estimate_bps = p->has_estimate ? p->estimate_bps : 0;
        g_array_append_val(all, st);
    }
    return all;
}

void sfu_room_tick(SfuRoom *room, gint64 now_us)
{
    guint i;

    g_return_if_fail(room != NULL);
    if (now_us > room->now_us)
        room->now_us = now_us;

    for (i = 0; i < room->participants->len; i++)
        retry_keyframes(room, g_ptr_array_index(room->participants, i), now_us);

    if (now_us - room->last_layer_eval_us >= SFU_LAYER_EVAL_US) {
        room->last_layer_eval_us = now_us;
        for (i = 0; i < room->participants->len; i++)
            sfu_participant_allocate_layers(room, g_ptr_array_index(room->participants, i), now_us);
        sfu_room_update_tap_layers(room, now_us);
    }

    decide_speaker(room, now_us);

    if (now_us - room->last_report_us >= room->config.report_interval_us) {
        room->last_report_us = now_us;
        for (i = 0; i < room->participants->len; i++) {
            SfuParticipant *p = g_ptr_array_index(room->participants, i);

            send_receiver_report(room, p, now_us);
            send_publisher_remb(room, p, now_us);
            send_sender_reports(room, p, now_us);
        }
        for (i = 0; i < room->taps->len; i++)
            send_tap_reports(room, g_ptr_array_index(room->taps, i), now_us);
    }

    if (now_us - room->last_stats_us >= room->config.stats_interval_us) {
        room->last_stats_us = now_us;
        if (room->events.stats != NULL) {
            g_autoptr(GArray) stats = sfu_room_collect_stats(room, now_us);

            room->events.stats(room->user_data, (const SfuPeerStats *)(gpointer)stats->data,
                               stats->len);
        }
    }
}
