/* rtp-input.c: the bounded, never-blocking hand-off from a media worker to a pipeline.
 *
 * Design: the worker thread's only work per packet is a bounds check, one allocation and copy
 * (gst_buffer_new_memdup) and gst_app_src_push_buffer() with the appsrc in non-blocking mode.
 * The bound is checked before the copy from the appsrc's own queue level (time and bytes), so a
 * stalled pipeline costs the worker a drop and a counter, not memory; the appsrc is also
 * leaky (new buffers dropped) in case two pushes race past the check. Buffers are stamped here
 * with the running time at arrival, not by appsrc's do-timestamp (which stamps when a buffer
 * leaves the queue): the jitter buffer estimates jitter and the sender clock from these times.
 *
 * One mutex guards the appsrcs, the clock and the cached sender report. It is taken once per
 * packet and held only for the push, which does not block; the owner takes it to swap the
 * appsrcs when a pipeline is rebuilt. Force-key-unit events coming upstream into the RTP appsrc
 * (from a depayloader after loss, or from splitmuxsink before a cut) are turned into the key
 * frame function, which the owner maps to a PLI through the SFU.
 *
 * RTCP: the compound is validated with the media library's reader (media/rtp/rtcp.h); the last
 * SR and CNAME are kept so they can be re-sent extrapolated to now (RFC 3550 §6.4.1: the NTP and
 * RTP timestamps of an SR are the same instant, so both advance together).
 */
#include "gst/rtp-input.h"

#include <errno.h>
#include <string.h>

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "rtp/rtcp.h"
#include "rtp/rtp.h"

typedef enum {
    INPUT_IDLE,    /* no pipeline, or not playing yet */
    INPUT_RUNNING, /* pushes accepted */
    INPUT_ENDED,   /* end of stream sent */
    INPUT_CLOSED,
} InputState;

struct _MgstRtpInput {
    gint refcount;
    MgstCodec codec;
    guint8 payload_type;
    guint clock_rate;

    GMutex lock;
    InputState state;              /* protected by lock */
    GstAppSrc *rtp_src;            /* protected by lock */
    GstAppSrc *rtcp_src;           /* protected by lock */
    GstClock *clock;               /* protected by lock */
    GstElement *rtpbin;            /* protected by lock: where the appsrcs are linked */
    GstPad *rtp_sinkpad;           /* protected by lock: rtpbin's request pads */
    GstPad *rtcp_sinkpad;          /* protected by lock */
    GstClockTime base_time;        /* protected by lock */
    MgstKeyframeFunc keyframe;     /* protected by lock */
    gpointer keyframe_data;        /* protected by lock */
    MgstRtpInputCounters counters; /* protected by lock */
    /* the last sender report and CNAME, protected by lock */
    gboolean have_sr;
    guint32 sr_ssrc;
    RtcpSenderInfo sr_info;
    gint64 sr_arrival_us; /* monotonic */
    char cname[256];
};

MgstRtpInput *mgst_rtp_input_new(MgstCodec codec, guint8 payload_type, guint clock_rate)
{
    MgstRtpInput *input;

    g_return_val_if_fail(payload_type < 128, NULL);

    input = g_new0(MgstRtpInput, 1);
    input->refcount = 1;
    input->codec = codec;
    input->payload_type = payload_type;
    input->clock_rate = clock_rate != 0 ? clock_rate : mgst_codec_clock_rate(codec);
    g_mutex_init(&input->lock);
    input->state = INPUT_IDLE;
    return input;
}

MgstRtpInput *mgst_rtp_input_ref(MgstRtpInput *input)
{
    g_return_val_if_fail(input != NULL, NULL);
    g_atomic_int_inc(&input->refcount);
    return input;
}

static void drop_elements(MgstRtpInput *input)
{
    g_clear_object(&input->rtp_src);
    g_clear_object(&input->rtcp_src);
    g_clear_object(&input->clock);
    g_clear_object(&input->rtpbin);
    g_clear_object(&input->rtp_sinkpad);
    g_clear_object(&input->rtcp_sinkpad);
}

void mgst_rtp_input_unref(MgstRtpInput *input)
{
    if (input == NULL || !g_atomic_int_dec_and_test(&input->refcount))
        return;
    drop_elements(input);
    g_mutex_clear(&input->lock);
    g_free(input);
}

MgstCodec mgst_rtp_input_get_codec(const MgstRtpInput *input)
{
    return input->codec;
}

guint mgst_rtp_input_get_clock_rate(const MgstRtpInput *input)
{
    return input->clock_rate;
}

void mgst_rtp_input_set_keyframe_func(MgstRtpInput *input, MgstKeyframeFunc func,
                                      gpointer user_data)
{
    g_return_if_fail(input != NULL);
    g_mutex_lock(&input->lock);
    input->keyframe = func;
    input->keyframe_data = user_data;
    g_mutex_unlock(&input->lock);
}

void mgst_rtp_input_request_keyframe(MgstRtpInput *input)
{
    MgstKeyframeFunc func;
    gpointer data;

    g_mutex_lock(&input->lock);
    func = input->state == INPUT_CLOSED ? NULL : input->keyframe;
    data = input->keyframe_data;
    input->counters.keyframe_requests++;
    g_mutex_unlock(&input->lock);
    if (func != NULL)
        func(data);
}

static gboolean keyframe_due(GstClock *clock, GstClockTime time, GstClockID id, gpointer user_data)
{
    mgst_rtp_input_request_keyframe(user_data);
    return TRUE;
}

static void input_unref_cb(gpointer data)
{
    mgst_rtp_input_unref(data);
}

/* A force-key-unit event asks for a key frame at a running time; splitmuxsink asks, as each
 * segment starts, for the one that will end it (its max-size-time later). A PLI sent at once would
 * bring that key frame at the start of the segment, too early to cut at, and no other would come:
 * so a request for a later time waits on the pipeline's clock until then. */
static GstPadProbeReturn upstream_event(GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
    MgstRtpInput *input = user_data;
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    GstClockTime running_time = GST_CLOCK_TIME_NONE;
    GstClock *clock = NULL;
    GstClockTime base = 0;

    if (!gst_video_event_is_force_key_unit(event))
        return GST_PAD_PROBE_OK;
    gst_video_event_parse_upstream_force_key_unit(event, &running_time, NULL, NULL);
    g_mutex_lock(&input->lock);
    if (input->clock != NULL && input->state != INPUT_CLOSED) {
        clock = gst_object_ref(input->clock);
        base = input->base_time;
    }
    g_mutex_unlock(&input->lock);
    if (clock != NULL && GST_CLOCK_TIME_IS_VALID(running_time) &&
        base + running_time > gst_clock_get_time(clock) + 20 * GST_MSECOND) {
        GstClockID id = gst_clock_new_single_shot_id(clock, base + running_time);

        if (gst_clock_id_wait_async(id, keyframe_due, mgst_rtp_input_ref(input), input_unref_cb) !=
            GST_CLOCK_OK)
            mgst_rtp_input_request_keyframe(input);
        gst_clock_id_unref(id);
    } else {
        mgst_rtp_input_request_keyframe(input);
    }
    if (clock != NULL)
        gst_object_unref(clock);
    return GST_PAD_PROBE_OK;
}

static GstElement *make_appsrc(const char *name, GstCaps *caps, GError **error)
{
    GstElement *src = mgst_make("appsrc", name, error);

    if (src == NULL)
        return NULL;
    g_object_set(src, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, "do-timestamp",
                 FALSE, "block", FALSE, "max-bytes", (guint64)MGST_RTP_INPUT_MAX_BYTES, "max-time",
                 (guint64)MGST_RTP_INPUT_MAX_TIME, "max-buffers", (guint64)0, "min-latency",
                 (gint64)0, NULL);
    gst_app_src_set_leaky_type(GST_APP_SRC(src), GST_APP_LEAKY_TYPE_UPSTREAM);
    gst_app_src_set_stream_type(GST_APP_SRC(src), GST_APP_STREAM_TYPE_STREAM);
    return src;
}

/* Returns rtpbin's request pad (transfer full), or NULL. */
static GstPad *link_to(GstElement *src, GstElement *rtpbin, const char *pad_name, GError **error)
{
    GstPad *sinkpad = gst_element_request_pad_simple(rtpbin, pad_name);
    g_autoptr(GstPad) srcpad = gst_element_get_static_pad(src, "src");

    if (sinkpad == NULL || gst_pad_link(srcpad, sinkpad) != GST_PAD_LINK_OK) {
        g_set_error(error, MGST_ERROR, MGST_ERROR_PIPELINE, "cannot link %s to rtpbin's %s",
                    GST_ELEMENT_NAME(src), pad_name);
        g_clear_object(&sinkpad);
    }
    return sinkpad;
}

gboolean mgst_rtp_input_attach(MgstRtpInput *input, GstBin *bin, GstElement *rtpbin, guint session,
                               GError **error)
{
    g_autoptr(GstCaps) rtp_caps = NULL;
    g_autoptr(GstCaps) rtcp_caps = NULL;
    g_autofree char *rtp_name = g_strdup_printf("rtp_in_%u", session);
    g_autofree char *rtcp_name = g_strdup_printf("rtcp_in_%u", session);
    g_autofree char *rtp_pad = g_strdup_printf("recv_rtp_sink_%u", session);
    g_autofree char *rtcp_pad = g_strdup_printf("recv_rtcp_sink_%u", session);
    GstElement *rtp_src, *rtcp_src;
    GstPad *pad, *rtp_sinkpad, *rtcp_sinkpad;
    GstState state = GST_STATE_NULL;

    g_return_val_if_fail(input != NULL && GST_IS_BIN(bin) && GST_IS_ELEMENT(rtpbin), FALSE);

    rtp_caps = gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING,
                                   mgst_kind_to_string(mgst_codec_kind(input->codec)), "clock-rate",
                                   G_TYPE_INT, (gint)input->clock_rate, "encoding-name",
                                   G_TYPE_STRING, mgst_codec_encoding_name(input->codec), "payload",
                                   G_TYPE_INT, (gint)input->payload_type, NULL);
    if (input->codec == MGST_CODEC_H264)
        gst_caps_set_simple(rtp_caps, "packetization-mode", G_TYPE_STRING, "1", NULL);
    rtcp_caps = gst_caps_new_empty_simple("application/x-rtcp");

    rtp_src = make_appsrc(rtp_name, rtp_caps, error);
    if (rtp_src == NULL)
        return FALSE;
    rtcp_src = make_appsrc(rtcp_name, rtcp_caps, error);
    if (rtcp_src == NULL) {
        gst_object_unref(gst_object_ref_sink(rtp_src));
        return FALSE;
    }
    gst_bin_add_many(bin, rtp_src, rtcp_src, NULL);
    /* on failure the bin owns what was added; it goes away with the failed pipeline */
    rtp_sinkpad = link_to(rtp_src, rtpbin, rtp_pad, error);
    if (rtp_sinkpad == NULL)
        return FALSE;
    rtcp_sinkpad = link_to(rtcp_src, rtpbin, rtcp_pad, error);
    if (rtcp_sinkpad == NULL) {
        gst_object_unref(rtp_sinkpad);
        return FALSE;
    }

    pad = gst_element_get_static_pad(rtp_src, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, upstream_event,
                      mgst_rtp_input_ref(input), (GDestroyNotify)mgst_rtp_input_unref);
    gst_object_unref(pad);

    gst_element_get_state(GST_ELEMENT(bin), &state, NULL, 0);
    if (state > GST_STATE_NULL) {
        gst_element_sync_state_with_parent(rtcp_src);
        gst_element_sync_state_with_parent(rtp_src);
    }

    g_mutex_lock(&input->lock);
    drop_elements(input);
    input->rtp_src = GST_APP_SRC(gst_object_ref(rtp_src));
    input->rtcp_src = GST_APP_SRC(gst_object_ref(rtcp_src));
    input->rtpbin = gst_object_ref(rtpbin);
    input->rtp_sinkpad = rtp_sinkpad;
    input->rtcp_sinkpad = rtcp_sinkpad;
    if (input->state != INPUT_CLOSED)
        input->state = INPUT_IDLE;
    g_mutex_unlock(&input->lock);
    return TRUE;
}

void mgst_rtp_input_start(MgstRtpInput *input, GstClock *clock, GstClockTime base_time)
{
    g_return_if_fail(input != NULL && GST_IS_CLOCK(clock));

    g_mutex_lock(&input->lock);
    if (input->state == INPUT_IDLE && input->rtp_src != NULL) {
        g_set_object(&input->clock, clock);
        input->base_time = base_time;
        input->state = INPUT_RUNNING;
    }
    g_mutex_unlock(&input->lock);
}

void mgst_rtp_input_detach(MgstRtpInput *input)
{
    g_return_if_fail(input != NULL);

    g_mutex_lock(&input->lock);
    drop_elements(input);
    if (input->state != INPUT_CLOSED)
        input->state = INPUT_IDLE;
    g_mutex_unlock(&input->lock);
}

void mgst_rtp_input_remove(MgstRtpInput *input)
{
    GstElement *srcs[2] = {NULL, NULL};
    GstPad *pads[2] = {NULL, NULL};
    GstElement *rtpbin;
    guint i;

    g_return_if_fail(input != NULL);

    g_mutex_lock(&input->lock);
    if (input->rtp_src != NULL)
        srcs[0] = gst_object_ref(GST_ELEMENT(input->rtp_src));
    if (input->rtcp_src != NULL)
        srcs[1] = gst_object_ref(GST_ELEMENT(input->rtcp_src));
    pads[0] = g_steal_pointer(&input->rtp_sinkpad);
    pads[1] = g_steal_pointer(&input->rtcp_sinkpad);
    rtpbin = g_steal_pointer(&input->rtpbin);
    drop_elements(input);
    if (input->state != INPUT_CLOSED)
        input->state = INPUT_IDLE;
    g_mutex_unlock(&input->lock);

    for (i = 0; i < 2; i++) {
        if (srcs[i] != NULL) {
            GstObject *parent = gst_object_get_parent(GST_OBJECT(srcs[i]));

            gst_element_set_state(srcs[i], GST_STATE_NULL);
            if (parent != NULL) {
                gst_bin_remove(GST_BIN(parent), srcs[i]);
                gst_object_unref(parent);
            }
            gst_object_unref(srcs[i]);
        }
        if (pads[i] != NULL) {
            if (rtpbin != NULL)
                gst_element_release_request_pad(rtpbin, pads[i]);
            gst_object_unref(pads[i]);
        }
    }
    if (rtpbin != NULL)
        gst_object_unref(rtpbin);
}

void mgst_rtp_input_end(MgstRtpInput *input)
{
    GstAppSrc *rtp = NULL, *rtcp = NULL;

    g_return_if_fail(input != NULL);

    g_mutex_lock(&input->lock);
    if (input->state == INPUT_RUNNING || input->state == INPUT_IDLE) {
        if (input->rtp_src != NULL)
            rtp = g_object_ref(input->rtp_src);
        if (input->rtcp_src != NULL)
            rtcp = g_object_ref(input->rtcp_src);
        input->state = INPUT_ENDED;
    }
    g_mutex_unlock(&input->lock);
    if (rtp != NULL) {
        gst_app_src_end_of_stream(rtp);
        g_object_unref(rtp);
    }
    if (rtcp != NULL) {
        gst_app_src_end_of_stream(rtcp);
        g_object_unref(rtcp);
    }
}

void mgst_rtp_input_close(MgstRtpInput *input)
{
    g_return_if_fail(input != NULL);

    g_mutex_lock(&input->lock);
    drop_elements(input);
    input->state = INPUT_CLOSED;
    input->keyframe = NULL;
    input->keyframe_data = NULL;
    g_mutex_unlock(&input->lock);
}

/* Called with the lock held. Takes @buffer. */
static int push_locked(MgstRtpInput *input, GstAppSrc *src, GstBuffer *buffer)
{
    GstClockTime now, ts;

    switch (input->state) {
    case INPUT_CLOSED:
        gst_buffer_unref(buffer);
        return -ESHUTDOWN;
    case INPUT_RUNNING:
        break;
    default:
        input->counters.dropped_idle++;
        gst_buffer_unref(buffer);
        return -EAGAIN;
    }
    if (gst_app_src_get_current_level_time(src) >= MGST_RTP_INPUT_MAX_TIME ||
        gst_app_src_get_current_level_bytes(src) >= MGST_RTP_INPUT_MAX_BYTES) {
        input->counters.dropped_full++;
        gst_buffer_unref(buffer);
        return -ENOBUFS;
    }
    now = gst_clock_get_time(input->clock);
    ts = now > input->base_time ? now - input->base_time : 0;
    GST_BUFFER_PTS(buffer) = ts;
    GST_BUFFER_DTS(buffer) = ts;
    if (gst_app_src_push_buffer(src, buffer) != GST_FLOW_OK) {
        input->counters.dropped_idle++;
        return -EAGAIN;
    }
    return 0;
}

int mgst_rtp_input_push_rtp(MgstRtpInput *input, const guint8 *data, gsize len)
{
    GstBuffer *buffer;
    GstMapInfo map;
    RtpPacket pkt;
    int r;

    g_return_val_if_fail(input != NULL, -EINVAL);
    g_return_val_if_fail(data != NULL || len == 0, -EINVAL);

    if (len < RTP_HEADER_LEN || len > G_MAXUINT16) {
        g_mutex_lock(&input->lock);
        input->counters.malformed++;
        g_mutex_unlock(&input->lock);
        return -EBADMSG;
    }
    buffer = gst_buffer_new_memdup(data, len);
    gst_buffer_map(buffer, &map, GST_MAP_READWRITE);
    r = rtp_packet_parse(&pkt, map.data, map.size);
    if (r == 0 && pkt.payload_type != input->payload_type)
        r = -EPROTOTYPE;
    gst_buffer_unmap(buffer, &map);

    g_mutex_lock(&input->lock);
    if (r < 0) {
        input->counters.malformed++;
        gst_buffer_unref(buffer);
    } else if (input->rtp_src == NULL) {
        r = input->state == INPUT_CLOSED ? -ESHUTDOWN : -EAGAIN;
        if (r == -EAGAIN)
            input->counters.dropped_idle++;
        gst_buffer_unref(buffer);
    } else {
        r = push_locked(input, input->rtp_src, buffer);
        if (r == 0) {
            input->counters.rtp_packets++;
            input->counters.rtp_bytes += len;
            input->counters.last_rtp_us = g_get_monotonic_time();
        }
    }
    g_mutex_unlock(&input->lock);
    return r;
}

/* Remembers the last SR and CNAME of the compound. Called with the lock held. */
static void cache_report(MgstRtpInput *input, const guint8 *data, gsize len)
{
    RtcpIter iter;
    RtcpPacket pkt;

    rtcp_iter_init(&iter, data, len);
    while (rtcp_iter_next(&iter, &pkt) > 0) {
        if (pkt.type == RTCP_TYPE_SR) {
            RtcpReport report;

            if (rtcp_report_parse(&pkt, &report) == 0 && report.has_sender_info) {
                input->have_sr = TRUE;
                input->sr_ssrc = report.ssrc;
                input->sr_info = report.sender_info;
                input->sr_arrival_us = g_get_monotonic_time();
            }
        } else if (pkt.type == RTCP_TYPE_SDES) {
            RtcpSdesItem item;

            if (rtcp_sdes_find_cname(&pkt, &item) == 0) {
                memcpy(input->cname, item.value, item.len);
                input->cname[item.len] = '\0';
            }
        }
    }
}

int mgst_rtp_input_push_rtcp(MgstRtpInput *input, const guint8 *data, gsize len)
{
    int r;

    g_return_val_if_fail(input != NULL, -EINVAL);
    g_return_val_if_fail(data != NULL || len == 0, -EINVAL);

    g_mutex_lock(&input->lock);
    if (len > G_MAXUINT16 || rtcp_compound_validate(data, len) < 0) {
        input->counters.malformed++;
        r = -EBADMSG;
    } else {
        cache_report(input, data, len);
        if (input->rtcp_src == NULL) {
            r = input->state == INPUT_CLOSED ? -ESHUTDOWN : -EAGAIN;
        } else {
            r = push_locked(input, input->rtcp_src, gst_buffer_new_memdup(data, len));
            if (r == 0)
                input->counters.rtcp_packets++;
        }
    }
    g_mutex_unlock(&input->lock);
    return r;
}

int mgst_rtp_input_reinject_sr(MgstRtpInput *input)
{
    guint8 buf[RTCP_HEADER_LEN + 24 + RTCP_HEADER_LEN + 8 + 256 + 4];
    RtcpSenderInfo info;
    RtcpWriter w;
    gint64 dt;
    guint64 secs, frac;
    int len, r;

    g_return_val_if_fail(input != NULL, -EINVAL);

    g_mutex_lock(&input->lock);
    if (!input->have_sr || input->rtcp_src == NULL) {
        r = input->have_sr ? -EAGAIN : -ENOENT;
        goto out;
    }
    /* RFC 3550 §6.4.1: NTP and RTP timestamps name the same instant; move both to now. */
    dt = MAX(g_get_monotonic_time() - input->sr_arrival_us, 0);
    secs = (guint64)dt / G_USEC_PER_SEC;
    frac = (guint64)dt % G_USEC_PER_SEC;
    info = input->sr_info;
    info.ntp_timestamp += (secs << 32) + (frac << 32) / G_USEC_PER_SEC;
    info.rtp_timestamp += (guint32)((guint64)dt * input->clock_rate / G_USEC_PER_SEC);

    rtcp_writer_init(&w, buf, sizeof buf);
    rtcp_writer_add_sr(&w, input->sr_ssrc, &info, NULL, 0);
    if (input->cname[0] != '\0')
        rtcp_writer_add_sdes_cname(&w, input->sr_ssrc, input->cname);
    len = rtcp_writer_finish(&w);
    if (len < 0) {
        r = len;
        goto out;
    }
    r = push_locked(input, input->rtcp_src, gst_buffer_new_memdup(buf, (gsize)len));
out:
    g_mutex_unlock(&input->lock);
    return r;
}

void mgst_rtp_input_get_counters(MgstRtpInput *input, MgstRtpInputCounters *counters)
{
    g_return_if_fail(input != NULL && counters != NULL);
    g_mutex_lock(&input->lock);
    *counters = input->counters;
    g_mutex_unlock(&input->lock);
}
