/* sfu-room-fixture.h: a room (media/router/sfu-room.c) with fake in-memory peers, shared by the
 * room's tests (test-sfu-room*.c). Each participant has one FakePeer for both directions; time is
 * the fixture's own clock (fx->now), so every test is deterministic. */
#pragma once

#include <glib.h>

#include "router/sfu-room.h"
#include "sfu-fake.h"

G_BEGIN_DECLS

#define AUDIO_PT 111
#define VIDEO_PT 96
#define MS       1000

/* Extension ids as the publishers negotiated them. */
#define EXT_MID   1
#define EXT_RID   2
#define EXT_LEVEL 4

#define MAX_PEERS 16

typedef struct {
    SfuRoom *room;
    FakePeer *peers[MAX_PEERS]; /* by participant id */
    GArray *speakers;           /* guint64, each active speaker event */
    GArray *speaker_times;      /* gint64 */
    guint floor_events;
    guint64 last_floor;
    gboolean last_open;
    guint stats_events;
    guint last_stats_n;
    gint64 now;
} Fixture;

void fixture_init(Fixture *fx);
void fixture_clear(Fixture *fx);

/* A participant with one fake peer for both directions. @sub_ext: extension ids it negotiated
 * for what it receives (NULL: none). */
SfuParticipant *add_participant(Fixture *fx, guint64 id, SfuRole role, const SfuExtIds *sub_ext);
/* Publishes @cfg for @id, asserting it is accepted. */
void publish_track(Fixture *fx, guint64 id, const SfuTrackConfig *cfg);
void publish_audio(Fixture *fx, guint64 id, guint32 ssrc);
void publish_video(Fixture *fx, guint64 id, guint32 ssrc);
/* VP8 as publish_video, with the feedback it negotiated (SFU_FB_*). */
void publish_video_fb(Fixture *fx, guint64 id, guint32 ssrc, guint feedback);
/* Three VP8 layers announced by rid only (q, h, f), as browsers do. */
void publish_simulcast(Fixture *fx, guint64 id);
void subscribe(Fixture *fx, guint64 sub, guint64 pub, const char *mid, guint32 ssrc, gint pt);

/* Sources sample the fixture's clock: 48 kHz audio. */
guint32 audio_ts(const Fixture *fx);
int send_audio(Fixture *fx, guint64 id, guint32 ssrc, guint16 seq, guint8 level);
/* @n packets of speech (level 50) from @id, one every 20 ms of the fixture's clock, numbered
 * on from *@seq. */
void send_audio_run(Fixture *fx, guint64 id, guint32 ssrc, guint16 *seq, guint n);
int send_video(Fixture *fx, guint64 id, guint32 ssrc, guint16 seq, gboolean key, guint8 fill);

GBytes *last_rtp(Fixture *fx, guint64 id);
/* Every packet the peer got for @ssrc, in order. */
GPtrArray *rtp_for(Fixture *fx, guint64 id, guint32 ssrc);
/* How many packets the peer got for @ssrc. */
guint rtp_count(Fixture *fx, guint64 id, guint32 ssrc);
/* Sequence numbers run on by one; timestamps by @ts_step (0: forward only). */
void assert_continuous(GPtrArray *pkts, guint32 ts_step);

/* A simulcast publisher's layer, as the tests drive it. */
typedef struct {
    guint32 ssrc;
    const char *rid;
    guint16 seq;
    guint32 ts;
    gsize size; /* bytes per packet, one packet per 10 ms */
    guint16 width, height;
    gboolean key_next;
    guint plis_seen;
} SimLayer;

/* One packet on each of the first @n layers at the fixture's clock; a layer whose SSRC was sent a
 * PLI answers with a key frame. */
void sim_step(Fixture *fx, guint64 id, SimLayer *layers, guint n);
/* Runs the publisher for @ms milliseconds, ticking the room every 100 ms. */
void sim_run(Fixture *fx, guint64 id, SimLayer *layers, guint n, guint ms);

G_END_DECLS
