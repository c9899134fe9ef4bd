/* fuzz-room.c: libFuzzer target for a room's packet entry points: RTP and RTCP from a
 * publisher and from subscribers, interleaved with the timer and control changes (floor, mute,
 * view), on a room with audio, simulcast VP8 and H.264 tracks, two subscribers and a tap. Every
 * packet the room sends must be well-formed RTP or RTCP.
 *
 * Input: records of [op][length][length bytes]; op % 8 selects RTP from the publisher, RTCP from
 * a subscriber, RTCP from the publisher, RTP from a subscriber, time passing (the timer), the
 * floor, a mute, a view size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "router/sfu-room.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

static int check_rtp(gpointer peer, guint8 *buf, gsize len, gsize cap)
{
    RtpPacket pkt;

    CHECK(len <= cap);
    CHECK(rtp_packet_parse(&pkt, buf, len) == 0);
    return 0;
}

static int check_rtcp(gpointer peer, guint8 *buf, gsize len, gsize cap)
{
    CHECK(len <= cap);
    CHECK(rtcp_compound_validate(buf, len) > 0);
    return 0;
}

static const SfuTransport checking_transport = {check_rtp, check_rtcp};

static void tap_rtp(gpointer user_data, const SfuTapTrack *track, const guint8 *rtp, gsize len)
{
    RtpPacket pkt;
    guint8 copy[SFU_SEND_BUFFER_LEN];

    CHECK(len <= sizeof(copy));
    memcpy(copy, rtp, len);
    CHECK(rtp_packet_parse(&pkt, copy, len) == 0);
}

static void tap_rtcp(gpointer user_data, const SfuTapTrack *track, const guint8 *rtcp, gsize len)
{
    CHECK(rtcp_compound_validate(rtcp, len) > 0);
}

static SfuRoom *make_room(gint64 now)
{
    static const SfuExtIds ext = {
        .audio_level = 1, .mid = 3, .rid = 4, .repaired_rid = 5, .abs_send_time = 6};
    static const SfuTapFuncs tap = {tap_rtp, tap_rtcp, NULL, NULL};
    SfuRoomConfig config = {.meeting_id = 1, .nack_slots = 64};
    SfuTrackConfig audio = {.mid = "a",
                            .kind = SFU_MEDIA_AUDIO,
                            .payload_type = 111,
                            .clock_rate = 48000,
                            .n_layers = 1,
                            .layers = {{.ssrc = 0x11223344}}};
    SfuTrackConfig vp8 = {.mid = "v",
                          .kind = SFU_MEDIA_VIDEO,
                          .codec = SFU_CODEC_VP8,
                          .payload_type = 96,
                          .clock_rate = 90000,
                          .n_layers = 3,
                          .layers = {{.rid = "q"}, {.rid = "h"}, {.rid = "f"}},
                          .feedback = SFU_FB_NACK | SFU_FB_PLI | SFU_FB_REMB};
    SfuTrackConfig h264 = {.mid = "w",
                           .kind = SFU_MEDIA_VIDEO,
                           .codec = SFU_CODEC_H264,
                           .payload_type = 102,
                           .clock_rate = 90000,
                           .n_layers = 1,
                           .feedback = SFU_FB_NACK | SFU_FB_FIR | SFU_FB_REMB};
    SfuRoom *room = sfu_room_new(&config, NULL, NULL);
    SfuTap *t;
    guint64 id;

    for (id = 1; id <= 3; id++) {
        SfuParticipant *p = sfu_room_add_participant(room, id, "p", SFU_ROLE_MEMBER, NULL);

        sfu_participant_set_transport(p, SFU_SIDE_PUBLISH, &checking_transport, NULL, &ext);
        sfu_participant_set_transport(p, SFU_SIDE_SUBSCRIBE, &checking_transport, NULL, &ext);
    }
    sfu_room_publish(room, 1, &audio, NULL);
    sfu_room_publish(room, 1, &vp8, NULL);
    sfu_room_publish(room, 1, &h264, NULL);
    for (id = 2; id <= 3; id++) {
        SfuSubscribeConfig a = {.ssrc = (guint32)(0x100 * id + 1), .payload_type = -1, .mid = "0"};
        SfuSubscribeConfig v = {.ssrc = (guint32)(0x100 * id + 2), .payload_type = 100, .mid = "1"};
        SfuSubscribeConfig w = {.ssrc = (guint32)(0x100 * id + 3), .payload_type = -1, .mid = "2"};

        sfu_room_subscribe(room, id, 1, "a", &a, now, NULL);
        sfu_room_subscribe(room, id, 1, "v", &v, now, NULL);
        sfu_room_subscribe(room, id, 1, "w", &w, now, NULL);
    }
    t = sfu_room_add_tap(room, &tap, NULL, NULL);
    sfu_tap_select(t, 1, SFU_MEDIA_AUDIO, -1, now);
    sfu_tap_select(t, 1, SFU_MEDIA_VIDEO, 0, now);
    sfu_room_set_floor(room, 1);
    return room;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gint64 now = 1000000;
    SfuRoom *room = make_room(now);
    guint8 buf[SFU_MAX_PACKET_LEN];
    size_t pos = 0;

    while (pos + 2 <= size) {
        guint op = data[pos] % 8;
        size_t len = MIN((size_t)data[pos + 1], size - pos - 2);
        const guint8 *arg = data + pos + 2;
        guint8 a0 = len > 0 ? arg[0] : 0, a1 = len > 1 ? arg[1] : 0, a2 = len > 2 ? arg[2] : 0;

        pos += 2 + len;
        memcpy(buf, arg, len);
        now += 1000;
        switch (op) {
        case 0:
        case 3:
            sfu_room_on_rtp(room, sfu_room_get_participant(room, op == 0 ? 1 : 2), buf, len, now);
            break;
        case 1:
        case 2:
            sfu_room_on_rtcp(room, sfu_room_get_participant(room, op == 1 ? 2 : 1), buf, len, now);
            break;
        case 4:
            now += (gint64)a0 * 10000;
            sfu_room_tick(room, now);
            break;
        case 5:
            if (a1 & 1)
                sfu_room_set_open_microphones(room, a0 & 1);
            else
                sfu_room_set_floor(room, a0 % 4);
            break;
        case 6:
            sfu_room_mute(room, 1 + a0 % 3, a1 & 1 ? SFU_MEDIA_VIDEO : SFU_MEDIA_AUDIO, a2 & 1, now,
                          NULL);
            break;
        case 7:
            sfu_room_set_view(room, 2 + a0 % 2, 1, (guint16)(a1 * 8), (guint16)(a2 * 8), now, NULL);
            break;
        }
    }
    sfu_room_free(room);
    return 0;
}
