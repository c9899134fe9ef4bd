/* test-sfu-room-floor.c: the room's floor gate (media/router/sfu-room.c) with fake in-memory
 * peers: who is heard under the floor, open microphones and the chair's mute, halls, and video
 * mute. Time is given explicitly, so every test is deterministic. */
#include <glib.h>

#include "sfu-room-fixture.h"

static void test_floor_gate(void)
{
    Fixture fx;
    guint16 seq = 1000;
    guint n, last_seq;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_CHAIR, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 3, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 9, SFU_ROLE_SITE, NULL); /* listens */
    publish_audio(&fx, 1, 0xc1);
    publish_audio(&fx, 2, 0xc2);
    publish_audio(&fx, 3, 0xc3);
    subscribe(&fx, 9, 1, "a", 0x91, -1);
    subscribe(&fx, 9, 2, "a", 0x92, -1);
    subscribe(&fx, 9, 3, "a", 0x93, -1);
    subscribe(&fx, 2, 1, "a", 0x21, -1);

    /* A member's audio is held back; the chair's always passes. */
    for (n = 0; n < 10; n++, seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 1, 0xc1, seq, 50);
        send_audio(&fx, 2, 0xc2, seq, 50);
        send_audio(&fx, 3, 0xc3, seq, 50);
    }
    g_assert_cmpuint(rtp_count(&fx, 9, 0x91), ==, 10);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x92), ==, 0);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->dropped_floor, ==, 20);

    /* Granting the floor to 2 opens its audio from the very next packet, only its audio. */
    sfu_room_set_floor(fx.room, 2);
    g_assert_cmpuint(fx.floor_events, ==, 1);
    g_assert_cmpuint(fx.last_floor, ==, 2);
    g_assert_true(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 2)));
    for (n = 0; n < 10; n++, seq++) {
        fx.now += 20 * MS;
        send_audio(&fx, 2, 0xc2, seq, 50);
        send_audio(&fx, 3, 0xc3, seq, 50);
        if (n == 0) {
            g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);

            g_assert_cmpuint(m->len, ==, 1); /* the first packet after the grant */
        }
    }
    {
        g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);
        g_autoptr(GPtrArray) o = rtp_for(&fx, 9, 0x93);

        g_assert_cmpuint(m->len, ==, 10);
        g_assert_cmpuint(o->len, ==, 0);
        assert_continuous(m, 960); /* 20 ms */
        last_seq = fake_rtp_seq(g_ptr_array_index(m, 9));
    }

    /* Revoked: closed from the next packet. */
    sfu_room_set_floor(fx.room, 0);
    send_audio_run(&fx, 2, 0xc2, &seq, 50);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x92), ==, 10);

    /* Granted again: the listener sees its sequence run on with no gap (no NACK storm) and the
     * timestamp advanced by the second the floor was closed. */
    sfu_room_set_floor(fx.room, 2);
    fx.now += 20 * MS;
    send_audio(&fx, 2, 0xc2, seq++, 50);
    {
        g_autoptr(GPtrArray) m = rtp_for(&fx, 9, 0x92);
        GBytes *a = g_ptr_array_index(m, 9), *b = g_ptr_array_index(m, 10);
        guint32 dts = fake_rtp_ts(b) - fake_rtp_ts(a);

        g_assert_cmpuint(m->len, ==, 11);
        g_assert_cmpuint(fake_rtp_seq(b), ==, (guint16)(last_seq + 1));
        g_assert_cmpuint(dts, >=, 48000);
        g_assert_cmpuint(dts, <=, 48000 + 2000);
    }

    /* All microphones open: everyone passes. */
    sfu_room_set_floor(fx.room, 0);
    sfu_room_set_open_microphones(fx.room, TRUE);
    g_assert_true(fx.last_open);
    fx.now += 20 * MS;
    send_audio(&fx, 2, 0xc2, seq, 50);
    send_audio(&fx, 3, 0xc3, seq++, 50);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x92), ==, 12);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x93), ==, 1);

    /* The chair's mute wins over open microphones, over the floor and over being the chair. */
    g_assert_true(sfu_room_mute(fx.room, 3, SFU_MEDIA_AUDIO, TRUE, fx.now, NULL));
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_AUDIO, TRUE, fx.now, NULL));
    sfu_room_set_floor(fx.room, 3);
    fx.now += 20 * MS;
    send_audio(&fx, 1, 0xc1, seq, 50);
    send_audio(&fx, 3, 0xc3, seq++, 50);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x91), ==, 10);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x93), ==, 1);
    g_assert_cmpuint(sfu_room_get_counters(fx.room)->dropped_muted, ==, 2);
    /* Unmuted: the chair is heard again without the floor. */
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_AUDIO, FALSE, fx.now, NULL));
    sfu_room_set_open_microphones(fx.room, FALSE);
    fx.now += 20 * MS;
    send_audio(&fx, 1, 0xc1, seq++, 50);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x91), ==, 11);
    g_assert_false(sfu_room_mute(fx.room, 77, SFU_MEDIA_AUDIO, TRUE, fx.now, NULL));
    fixture_clear(&fx);
}

/* Halls (DOMAIN.md "điểm cầu"): a site's room microphones are gated like a member's: heard
 * while the floor is the site's (a member speaking from it), while the microphones are open, or
 * while the chair presides from it (the server gives it the chair's role then). */
static void test_site_gate(void)
{
    Fixture fx;
    g_autoptr(GError) error = NULL;
    guint16 seq = 1;
    SfuParticipant *hall;

    fixture_init(&fx);
    hall = add_participant(&fx, 5, SFU_ROLE_SITE, NULL);
    add_participant(&fx, 9, SFU_ROLE_SITE, NULL); /* another hall, listening */
    publish_audio(&fx, 5, 0xa5);
    subscribe(&fx, 9, 5, "a", 0x95, -1);
    send_audio_run(&fx, 5, 0xa5, &seq, 5);
    g_assert_false(sfu_participant_is_audio_open(hall));
    g_assert_cmpuint(rtp_count(&fx, 9, 0x95), ==, 0);
    /* A member speaking from the hall: the floor is the hall's. */
    sfu_room_set_floor(fx.room, 5);
    send_audio_run(&fx, 5, 0xa5, &seq, 5);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x95), ==, 5);
    sfu_room_set_floor(fx.room, 0);
    send_audio_run(&fx, 5, 0xa5, &seq, 5);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x95), ==, 5);
    /* The chair opens every microphone: the halls' too. */
    sfu_room_set_open_microphones(fx.room, TRUE);
    send_audio_run(&fx, 5, 0xa5, &seq, 5);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x95), ==, 10);
    sfu_room_set_open_microphones(fx.room, FALSE);
    /* The chair presides from the hall: heard without the floor, until the chair leaves it. */
    g_assert_true(sfu_room_set_role(fx.room, 5, SFU_ROLE_CHAIR, &error));
    g_assert_no_error(error);
    g_assert_true(sfu_participant_is_audio_open(hall));
    send_audio_run(&fx, 5, 0xa5, &seq, 5);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x95), ==, 15);
    g_assert_true(sfu_room_set_role(fx.room, 5, SFU_ROLE_SITE, &error));
    send_audio_run(&fx, 5, 0xa5, &seq, 5);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x95), ==, 15);
    /* The chair's mute holds a hall back too. */
    sfu_room_set_floor(fx.room, 5);
    g_assert_true(sfu_room_mute(fx.room, 5, SFU_MEDIA_AUDIO, TRUE, fx.now, &error));
    send_audio_run(&fx, 5, 0xa5, &seq, 5);
    g_assert_cmpuint(rtp_count(&fx, 9, 0x95), ==, 15);
    fixture_clear(&fx);
}

/* A member who joins while holding the floor is heard; the floor follows the id. */
static void test_floor_before_join(void)
{
    Fixture fx;

    fixture_init(&fx);
    sfu_room_set_floor(fx.room, 5);
    add_participant(&fx, 5, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 6, SFU_ROLE_GUEST, NULL);
    g_assert_true(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 5)));
    g_assert_false(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 6)));
    /* A guest made chair (the vice-chair takes over) is heard. */
    g_assert_true(sfu_room_set_role(fx.room, 6, SFU_ROLE_CHAIR, NULL));
    g_assert_true(sfu_participant_is_audio_open(sfu_room_get_participant(fx.room, 6)));
    fixture_clear(&fx);
}

static void test_video_mute(void)
{
    Fixture fx;
    guint16 seq;

    fixture_init(&fx);
    add_participant(&fx, 1, SFU_ROLE_MEMBER, NULL);
    add_participant(&fx, 2, SFU_ROLE_MEMBER, NULL);
    publish_video(&fx, 1, 0xb1);
    subscribe(&fx, 2, 1, "v", 0x62, -1);
    for (seq = 0; seq < 5; seq++) {
        fx.now += 33 * MS;
        send_video(&fx, 1, 0xb1, seq, seq == 0, 1);
    }
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_VIDEO, TRUE, fx.now, NULL));
    for (; seq < 10; seq++) {
        fx.now += 33 * MS;
        send_video(&fx, 1, 0xb1, seq, FALSE, 1);
    }
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 5);
    fake_peer_clear(fx.peers[1]);
    fx.now += G_USEC_PER_SEC;
    g_assert_true(sfu_room_mute(fx.room, 1, SFU_MEDIA_VIDEO, FALSE, fx.now, NULL));
    /* Unmuted: a key frame is asked for and nothing goes out before it. */
    g_assert_cmpuint(fake_count_pli(fx.peers[1], 0xb1), ==, 1);
    fx.now += 33 * MS;
    send_video(&fx, 1, 0xb1, seq++, FALSE, 1);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 5);
    fx.now += 33 * MS;
    send_video(&fx, 1, 0xb1, seq++, TRUE, 1);
    g_assert_cmpuint(fx.peers[2]->rtp->len, ==, 6);
    {
        g_autoptr(GPtrArray) v = rtp_for(&fx, 2, 0x62);

        assert_continuous(v, 0);
    }
    fixture_clear(&fx);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/media/sfu-room/floor-gate", test_floor_gate);
    g_test_add_func("/media/sfu-room/floor-before-join", test_floor_before_join);
    g_test_add_func("/media/sfu-room/site-gate", test_site_gate);
    g_test_add_func("/media/sfu-room/video-mute", test_video_mute);
    return g_test_run();
}
