/* media.h: the one public header of phonghop's media library (the SFU).
 *
 * The server links media_dep and includes only this file; RTP, RTCP, ICE, DTLS and SRTP stay
 * behind it. It offers the library version, the first-byte classifier every media socket
 * needs, the error domain of refused SDP, the network settings of the transport, the media
 * engine (rooms per meeting, participants, the floor, events and statistics), the recording
 * of a room and its composite program (the public live stream).
 *
 * Thread: unless a section says otherwise, every function here is pure and may be called from
 * any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The library's version, the project's version (transfer none, static). */
const char *media_version(void);

/* What arrived on a media socket, by RFC 7983 §7 (first octet) and RFC 5761 §4 (RTP and RTCP
 * told apart by the second octet), each with the minimum length of its header. */
typedef enum {
    MEDIA_DATAGRAM_UNKNOWN = 0,  /* none of the below, or too short for its header: drop it */
    MEDIA_DATAGRAM_STUN,         /* first octet 0-3, RFC 5389 header with the magic cookie */
    MEDIA_DATAGRAM_ZRTP,         /* 16-19 */
    MEDIA_DATAGRAM_DTLS,         /* 20-63 */
    MEDIA_DATAGRAM_TURN_CHANNEL, /* 64-79 */
    MEDIA_DATAGRAM_RTP,          /* 128-191, payload type octet outside 192-223 */
    MEDIA_DATAGRAM_RTCP,         /* 128-191, packet type 192-223 */
} MediaDatagramKind;

/* Classifies one UDP datagram. Never reads past @len; never fails. */
MediaDatagramKind media_datagram_classify(const guint8 *data, gsize len);

/* A short lower-case name for logs ("stun", "rtp", ...) (transfer none, static). */
const char *media_datagram_kind_to_string(MediaDatagramKind kind);

/* ---- SDP errors ----
 *
 * A description the media library refuses (an offer or answer from a client) fails with a
 * GError in this domain. Its message is written for the person debugging the client and may be
 * sent back to it as is ("no codec in common for video: offered H265, supported VP8, H264
 * (packetization-mode=1)", "the offer has no fingerprint"); it never contains secrets. */
#define MEDIA_SDP_ERROR (media_sdp_error_quark())
GQuark media_sdp_error_quark(void);

typedef enum {
    MEDIA_SDP_ERROR_TOO_LARGE,   /* past a limit: 64 KB of text, 16 media sections, 4 KB a line */
    MEDIA_SDP_ERROR_SYNTAX,      /* not SDP, or a line or attribute we cannot read */
    MEDIA_SDP_ERROR_MISSING,     /* a required part is absent (fingerprint, ICE credentials) */
    MEDIA_SDP_ERROR_UNSUPPORTED, /* valid SDP asking for what phonghop does not do */
    MEDIA_SDP_ERROR_NO_CODEC,    /* no codec in common for a media section */
    MEDIA_SDP_ERROR_MISMATCH,    /* an answer that does not answer the offer it was given */
} MediaSdpError;

/* ---- network settings of the media transport (ICE) ----
 *
 * What the server's configuration says about media networking, handed to the media library at
 * start-up: the addresses to gather host candidates on, a public IPv4 address for a 1:1 NAT, the
 * UDP port range, the connect and dead-peer timeouts, and the TURN servers the clients are told
 * about (the server itself never relays through TURN).
 *
 * Ownership: reference-counted (atomically). Thread: build it on one thread with the setters,
 * then share it; once a peer uses it, it is read-only and may be read from any thread.
 * Errors: MEDIA_ICE_ERROR. */
#define MEDIA_ICE_ERROR (media_ice_error_quark())
GQuark media_ice_error_quark(void);

typedef enum {
    MEDIA_ICE_ERROR_CONFIG,    /* a configuration value is not valid */
    MEDIA_ICE_ERROR_ADDRESS,   /* no usable local address, or no free port in the range */
    MEDIA_ICE_ERROR_CANDIDATE, /* a remote candidate line that cannot be read */
    MEDIA_ICE_ERROR_STATE,     /* not possible in the peer's current state */
} MediaIceError;

typedef struct _MediaIceConfig MediaIceConfig;

/* No addresses (libnice then gathers on every non-loopback interface), no public address, any
 * port, no TURN, a 10 s connect timeout and a 15 s dead-peer timeout. Transfer full. */
MediaIceConfig *media_ice_config_new(void);
MediaIceConfig *media_ice_config_ref(MediaIceConfig *config);
void media_ice_config_unref(MediaIceConfig *config);

/* Adds an address to gather host candidates on: an IPv4 or IPv6 literal ("192.0.2.10",
 * "127.0.0.1") or an interface name ("eth0", every address it has when a peer starts). Loopback
 * is used only when listed here, which is what a loopback-only test does. */
gboolean media_ice_config_add_address(MediaIceConfig *config, const char *address, GError **error);
/* The public IPv4 address of a 1:1 NAT in front of this host: each private IPv4 host candidate
 * is also announced with this address and the same port (as a server-reflexive candidate). */
gboolean media_ice_config_set_public_ipv4(MediaIceConfig *config, const char *address,
                                          GError **error);
/* Host candidates bind in [min, max] (both 1..65535, min <= max); 0, 0 means any port. */
gboolean media_ice_config_set_port_range(MediaIceConfig *config, guint min, guint max,
                                         GError **error);
/* ICE and DTLS must complete within @connect_ms of the remote description; a connected peer
 * from which nothing arrives for @dead_ms is reported dead. Both at least 100 ms. */
gboolean media_ice_config_set_timeouts(MediaIceConfig *config, guint connect_ms, guint dead_ms,
                                       GError **error);
/* A TURN server for clients: @url is "turn:host[:port][?transport=udp|tcp]" or "turns:...";
 * @username and @credential are static credentials, or NULL when a shared secret is set. */
gboolean media_ice_config_add_turn_server(MediaIceConfig *config, const char *url,
                                          const char *username, const char *credential,
                                          GError **error);
/* A secret shared with coturn (use-auth-secret): clients get time-limited credentials,
 * username "<expiry>:<user>" and credential base64(HMAC-SHA1(secret, username)), valid for
 * @ttl_seconds. */
gboolean media_ice_config_set_turn_secret(MediaIceConfig *config, const char *secret,
                                          guint ttl_seconds, GError **error);
/* The "iceServers" array for a client's RTCConfiguration, as JSON text (transfer full), with
 * credentials for @user at @now_unix (seconds) when a secret is set; "[]" without TURN. */
char *media_ice_config_dup_ice_servers_json(const MediaIceConfig *config, const char *user,
                                            gint64 now_unix);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaIceConfig, media_ice_config_unref)

/* ---- the media engine, rooms, the floor and statistics ----
 *
 * A MediaEngine is the SFU of the process: N media worker threads (one per core by default),
 * each with its own GMainContext, and the rooms. A MediaRoom is one meeting's media; it is
 * pinned to one worker by its meeting id, and everything of it (peers, forwarding, timers) runs
 * there. The functions of this section are the main thread's view: they check what they can at
 * once (unknown participant, duplicate id) and post the change to the room's worker through a
 * bounded queue; the worker applies it before the next packet it forwards.
 *
 * The floor (DOMAIN.md, "The floor"): a participant's audio reaches the others only while
 *     (it holds the floor || the chair opened all microphones || its role is chair)
 *     && the chair has not muted it at the server,
 * and its video unless the chair muted it. The server decides who holds the floor; the media
 * engine enforces it, and reports with floor_applied when it has.
 *
 * Events (peer up and down, the active speaker, floor applied, mute applied, statistics) come
 * from the workers and are delivered on the main context given to media_engine_new(), to every
 * listener, in the order each room produced them.
 *
 * Thread: every function of this section is called on the thread that runs the main context
 * given to media_engine_new(). Ownership: the engine owns its rooms; media_engine_free() frees
 * them all. Errors: MEDIA_ERROR.
 */
#define MEDIA_ERROR (media_error_quark())
GQuark media_error_quark(void);

typedef enum {
    MEDIA_ERROR_INVALID,   /* an argument that cannot be used (id 0, unknown role) */
    MEDIA_ERROR_EXISTS,    /* the participant is already in the room */
    MEDIA_ERROR_NOT_FOUND, /* no such participant or subscription */
    MEDIA_ERROR_BUSY,      /* the room's worker has a full queue: try again shortly */
    MEDIA_ERROR_FAILED,    /* the worker threads or the DTLS certificate could not be made */
} MediaError;

typedef struct _MediaEngine MediaEngine;
typedef struct _MediaRoom MediaRoom;

typedef struct {
    guint n_workers;         /* media worker threads; 0: one per core */
    MediaIceConfig *ice;     /* addresses, public address, ports, TURN; NULL: defaults */
    guint stats_interval_ms; /* how often rooms report statistics; 0: 2000 */
    guint queue_depth;       /* commands a worker queues before refusing; 0: 1024 */
} MediaEngineConfig;

/* Starts the workers and makes the DTLS certificate. @main_context: where events are delivered
 * (NULL: the calling thread's default context). @config is copied; the engine takes a
 * reference on config->ice. Returns (transfer full) or NULL with MEDIA_ERROR_FAILED. */
MediaEngine *media_engine_new(GMainContext *main_context, const MediaEngineConfig *config,
                              GError **error);
/* Destroys every room (their peers are closed on their workers), stops the workers and joins
 * them. Not from inside a listener. */
void media_engine_free(MediaEngine *engine);
guint media_engine_get_n_workers(const MediaEngine *engine);

/* The meeting's room, made and pinned to its worker on first use (transfer none: owned by the
 * engine until media_room_destroy()); NULL with MEDIA_ERROR_BUSY only if the worker refuses it.
 * media_engine_get_room() returns NULL when there is none. */
MediaRoom *media_engine_ensure_room(MediaEngine *engine, gint64 meeting_id, GError **error);
MediaRoom *media_engine_get_room(MediaEngine *engine, gint64 meeting_id);
typedef void (*MediaRoomForeachFunc)(MediaRoom *room, gpointer user_data);
void media_engine_foreach_room(MediaEngine *engine, MediaRoomForeachFunc func, gpointer user_data);
/* Ends the meeting's media: its participants are dropped on the worker and the room is freed
 * there; @room is invalid once this returns. */
void media_room_destroy(MediaRoom *room);
gint64 media_room_get_meeting_id(const MediaRoom *room);
/* The worker the room is pinned to, 0..n-1 (for /metrics and logs). */
guint media_room_get_worker_index(const MediaRoom *room);

typedef enum {
    MEDIA_ROLE_MEMBER, /* đại biểu: heard while holding the floor */
    MEDIA_ROLE_CHAIR,  /* chủ tọa: always heard, unless muted at the server */
    MEDIA_ROLE_GUEST,  /* khách mời: heard while holding the floor */
    MEDIA_ROLE_SITE,   /* điểm cầu: a hall's camera and microphones, gated like a member */
} MediaRole;

typedef enum {
    MEDIA_KIND_AUDIO,
    MEDIA_KIND_VIDEO,
} MediaKind;

/* @participant_id: the server's id for this person or site in this meeting (non-zero);
 * @display_name: for logs (copied). */
gboolean media_room_add_participant(MediaRoom *room, guint64 participant_id,
                                    const char *display_name, MediaRole role, GError **error);
/* Drops the participant, its peers, what it publishes and what it receives. */
gboolean media_room_remove_participant(MediaRoom *room, guint64 participant_id, GError **error);
gboolean media_room_set_role(MediaRoom *room, guint64 participant_id, MediaRole role,
                             GError **error);

/* The floor: @participant_id holds it (0: nobody). The id need not have joined yet. */
gboolean media_room_set_floor(MediaRoom *room, guint64 participant_id, GError **error);
/* The chair opens (or closes again) every microphone. */
gboolean media_room_set_open_microphones(MediaRoom *room, gboolean open, GError **error);
/* The chair mutes (or unmutes) a participant's audio or video at the server. */
gboolean media_room_mute(MediaRoom *room, guint64 participant_id, MediaKind kind, gboolean muted,
                         GError **error);
/* The size at which @subscriber_id shows @publisher_id's video, in pixels (0 x 0: not shown,
 * nothing is sent). The simulcast layer follows it and the subscriber's bandwidth. */
gboolean media_room_set_view(MediaRoom *room, guint64 subscriber_id, guint64 publisher_id,
                             guint width, guint height, GError **error);

/* ---- negotiation (SDP) ----
 *
 * A participant's browser has two WebRTC connections to the room: one on which it publishes
 * (its offer, our answer) and one on which it receives (our offer, its answer). The server
 * relays the SDP text and the trickled ICE candidates between the client and these calls; the
 * media library reads and writes the SDP, runs ICE, DTLS and SRTP on the room's worker and
 * attaches the connections to the room. A connection that fails or falls silent is dropped on
 * its own (a peer_state event says so); the client then negotiates again.
 *
 * In our offers each track announces itself with a=msid: the stream id "p<publisher id>" and
 * the track id "<publisher id>-<publisher's mid>", so the client knows whose it is.
 *
 * Each call queues the work on the room's worker; it returns FALSE with MEDIA_ERROR_BUSY when
 * the worker's queue is full, and then never calls @func. Otherwise @func is called exactly
 * once, on the context that was thread-default when the call was made, with the SDP to send to
 * the client (transfer none) or the error to report (transfer none): MEDIA_SDP_ERROR, whose
 * message can go to the client as is; MEDIA_ERROR_NOT_FOUND for a participant the room does not
 * have; MEDIA_ERROR_FAILED when the room is closed first or no connection can be made. */

/* The result of a negotiation step: @sdp or @error, or neither (nothing to send). */
typedef void (*MediaSdpFunc)(gpointer user_data, const char *sdp, const GError *error);

/* @participant_id's browser offers to publish (@offer: its SDP text, copied). The answer comes
 * to @func. A later offer with the same DTLS fingerprint renegotiates the same connection (a
 * track added or removed); when it also has new ICE credentials it restarts ICE (RFC 8445 §9):
 * the answer carries new ones of ours, and DTLS, SRTP and the tracks go on. A different
 * fingerprint is a different connection, which replaces the first. */
gboolean media_room_publish(MediaRoom *room, guint64 participant_id, const char *offer,
                            MediaSdpFunc func, gpointer user_data, GError **error);

/* What @subscriber_id receives from now on: every track of each of @publisher_ids (those that
 * publish nothing yet add nothing). @func gets our offer for its receiving connection (made on
 * first use), or neither SDP nor error when nothing changed. Tracks no longer wanted become
 * inactive sections; at most 64 sections in all (audio and video of 32 publishers), as in every
 * description phonghop reads; past that @func gets MEDIA_SDP_ERROR_TOO_LARGE. */
gboolean media_room_subscribe(MediaRoom *room, guint64 subscriber_id, const guint64 *publisher_ids,
                              guint n_publishers, MediaSdpFunc func, gpointer user_data,
                              GError **error);

/* Restarts ICE on @subscriber_id's receiving connection (RFC 8445 §9): @func gets our new offer,
 * the same sections with new ICE credentials and candidates, to be answered with
 * media_room_answer() (with new credentials of the subscriber's). DTLS, SRTP and forwarding go
 * on meanwhile. For a client whose network changed, or that asks (its restartIce() cannot offer
 * on a connection we offer). The publishing connection restarts by a new offer of the client's
 * to media_room_publish(). MEDIA_ERROR_NOT_FOUND to @func when it receives nothing yet. */
gboolean media_room_restart_ice(MediaRoom *room, guint64 subscriber_id, MediaSdpFunc func,
                                gpointer user_data, GError **error);

/* The subscriber's answer to our last offer (copied). @func gets neither SDP nor error once it
 * is applied: media flows as soon as the connection is up. */
gboolean media_room_answer(MediaRoom *room, guint64 subscriber_id, const char *answer,
                           MediaSdpFunc func, gpointer user_data, GError **error);

/* A candidate the client trickled ("candidate:..." as in RTCIceCandidate.candidate; NULL: its
 * end-of-candidates) for its publishing (@receiving FALSE) or receiving connection. Nothing is
 * reported back: one the connection cannot use is logged and dropped. */
gboolean media_room_add_candidate(MediaRoom *room, guint64 participant_id, gboolean receiving,
                                  const char *candidate, GError **error);

/* One participant's figures, as of the room's last report. */
typedef struct {
    guint64 participant_id;
    MediaRole role;
    gboolean connected;   /* its peer is up */
    gboolean audio_open;  /* the floor gate passes its audio now */
    gboolean muted_audio; /* by the chair */
    gboolean muted_video;
    guint64 rx_bitrate_bps; /* what it sends us */
    guint64 tx_bitrate_bps; /* what we send it */
    guint64 rx_packets;
    gint64 rx_lost;       /* packets lost on the way to us, since it joined */
    gdouble rx_loss;      /* fraction lost in the last report interval (0..1), worst stream */
    gdouble tx_loss;      /* fraction it reported losing (0..1), worst stream */
    gint64 rtt_us;        /* round trip, -1 unknown */
    guint64 estimate_bps; /* its receive bandwidth estimate (REMB), 0 unknown */
    gint layer;           /* simulcast layer of its largest view: 0 lowest; -1 none */
} MediaPeerStats;

/* A room's counters since it was made, as of its last report. */
typedef struct {
    guint64 rx_packets;
    guint64 rx_malformed;
    guint64 forwarded;
    guint64 dropped_floor; /* audio held back by the floor */
    guint64 dropped_muted; /* held back by a chair mute */
    guint64 retransmitted; /* NACKs answered */
    guint64 keyframe_requests;
    guint64 nacks_sent; /* packets NACKed to publishers (retries included) */
    guint64 send_errors;
} MediaRoomCounters;

/* The room's last statistics report: a GArray of MediaPeerStats (transfer full), one per
 * participant, empty before the first report. */
GArray *media_room_dup_stats(MediaRoom *room);
void media_room_get_counters(MediaRoom *room, MediaRoomCounters *counters);

typedef struct {
    guint64 commands_refused; /* posts to a worker refused because its queue was full */
    guint64 events_dropped;   /* statistics and speaker events dropped: the main loop lagged */
} MediaEngineCounters;

void media_engine_get_counters(MediaEngine *engine, MediaEngineCounters *counters);

#define MEDIA_ENGINE_LISTENER_VERSION 1

/* What the engine tells its listeners, on the main context. Each member may be NULL. A listener
 * made for a later version (more members) is refused. */
typedef struct {
    guint version; /* MEDIA_ENGINE_LISTENER_VERSION */
    /* A participant's peer connected (ICE and DTLS up) or went away. */
    void (*peer_state)(gpointer user_data, gint64 meeting_id, guint64 participant_id, gboolean up);
    /* Who speaks now, from the audio levels of the microphones that are open. */
    void (*active_speaker)(gpointer user_data, gint64 meeting_id, guint64 participant_id);
    /* The worker now forwards audio by this floor (after media_room_set_floor() or
     * media_room_set_open_microphones()). */
    void (*floor_applied)(gpointer user_data, gint64 meeting_id, guint64 floor_holder,
                          gboolean open_microphones);
    void (*mute_applied)(gpointer user_data, gint64 meeting_id, guint64 participant_id,
                         MediaKind kind, gboolean muted);
    /* Every stats interval (transfer none: copy what you keep). */
    void (*stats)(gpointer user_data, gint64 meeting_id, const MediaPeerStats *stats,
                  guint n_stats);
} MediaEngineListener;

/* @listener is copied. Returns an id for media_engine_remove_listener() (never 0), or 0 when
 * the version is unknown. @destroy (may be NULL) is called with @user_data on removal or when
 * the engine is freed. A listener may remove itself from inside a callback. */
guint media_engine_add_listener(MediaEngine *engine, const MediaEngineListener *listener,
                                gpointer user_data, GDestroyNotify destroy);
void media_engine_remove_listener(MediaEngine *engine, guint listener_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaEngine, media_engine_free)

/* ---- recording a meeting's room ----
 *
 * A MediaRecording keeps every track published in a room (or those of chosen participants) on
 * disk without re-encoding: one GStreamer pipeline per participant, fed from the room's worker
 * through a tap and bounded queues (a full queue drops and counts; the packet path never
 * waits), with the participant's audio and video in sync by its sender reports, each track cut
 * into Matroska/WebM segments that stay playable if the process is killed. Tracks that start or
 * stop mid-recording (a participant joins, leaves, turns the camera on) get files of their own
 * from that moment; a video track's recording starts at a key frame, asked of the publisher
 * (a PLI) when the track's recording starts and whenever a segment is due to be cut.
 *
 * Files: DIR/p<participant>-<track>-<UTC start>-<NNN>.webm (VP8, Opus) or .mkv (H.264), where
 * <track> is "audio-<mid>" or "video-<mid>" (with "-2", "-3"... when the same track comes back).
 * Each file is reported when it is opened (so a crash leaves a trace to find at the next start)
 * and when it is closed, with its size and SHA-256; what the server lists in its database.
 *
 * Failures: a pipeline error is reported (error, fatal FALSE) and that participant's pipeline is
 * restarted once; a second one soon after, or a full disk, stops that participant's recording
 * (fatal TRUE). Nothing here stops the meeting's media or the process.
 *
 * Ownership: the caller owns the recording (media_recording_free()); the room must exist when it
 * starts. If the room is destroyed first, the recording's tracks end there and it records
 * nothing more (media_recording_stop() still finishes it). Thread: every function and every
 * callback on the engine's main thread. Errors: MEDIA_ERROR, or the pipelines' own domain with a
 * message naming what is missing or failing.
 */
typedef struct _MediaRecording MediaRecording;

#define MEDIA_RECORDING_DEFAULT_SEGMENT_S 600

typedef struct {
    const char *dir;                /* the meeting's recording directory; created when missing */
    guint segment_seconds;          /* length of a segment; 0: MEDIA_RECORDING_DEFAULT_SEGMENT_S */
    guint64 min_free_bytes;         /* stop when the disk under dir has less free; 0: no check */
    const guint64 *participant_ids; /* whose tracks: NULL (n 0) for everyone, now and later */
    guint n_participants;
    gboolean skip_audio; /* record video only */
    gboolean skip_video; /* record audio only */
} MediaRecordingConfig;

/* One file of a recording (borrowed for the callback). Times are the wall clock
 * (g_get_real_time(), microseconds since 1970). */
typedef struct {
    gint64 meeting_id;
    guint64 participant_id;
    const char *track; /* "audio-0", "video-1", ... */
    MediaKind kind;
    const char *codec; /* "opus", "vp8", "h264" */
    const char *path;  /* absolute */
    guint index;       /* 0, 1, ...: its place among the track's segments */
    gint64 start_us;
    gint64 end_us;      /* 0 while open */
    guint64 size;       /* bytes; 0 while open */
    const char *sha256; /* lower-case hex; NULL while open or when it could not be read */
    gboolean complete;  /* FALSE: cut short (an error, a full disk); it still plays */
} MediaSegmentInfo;

#define MEDIA_RECORDING_LISTENER_VERSION 1

typedef struct {
    guint version; /* MEDIA_RECORDING_LISTENER_VERSION */
    /* A file was opened; nothing is written to it yet. */
    void (*segment_opened)(gpointer user_data, MediaRecording *recording,
                           const MediaSegmentInfo *segment);
    /* A file was closed and hashed. */
    void (*segment_closed)(gpointer user_data, MediaRecording *recording,
                           const MediaSegmentInfo *segment);
    /* A participant's pipeline failed; @fatal: its recording stopped (disk full, or failing
     * again after its restart). */
    void (*error)(gpointer user_data, MediaRecording *recording, guint64 participant_id,
                  const GError *error, gboolean fatal);
    /* media_recording_stop() is done: every file is closed and reported. The recording may be
     * freed from inside this callback (and from inside every other). */
    void (*stopped)(gpointer user_data, MediaRecording *recording);
} MediaRecordingListener;

/* Starts recording @room. @config and @listener are copied; @user_data goes to the listener.
 * Transfer full; NULL with an error when GStreamer or an element is missing, the directory
 * cannot be made, the listener's version is unknown, or the worker is busy. */
MediaRecording *media_recording_new(MediaRoom *room, const MediaRecordingConfig *config,
                                    const MediaRecordingListener *listener, gpointer user_data,
                                    GError **error);
/* Stops taking packets, closes every file (EOS, at most a few seconds), reports them, then
 * calls stopped. Calling it again does nothing. */
void media_recording_stop(MediaRecording *recording);
/* At once: pipelines torn down, files left as they are (playable, not reported). NULL-safe. */
void media_recording_free(MediaRecording *recording);

gint64 media_recording_get_meeting_id(const MediaRecording *recording);
/* Asks every recorded publisher (0) or one for a key frame now. */
void media_recording_request_keyframe(MediaRecording *recording, guint64 participant_id);

typedef struct {
    gboolean running;   /* not stopped, not stopping */
    guint participants; /* with a pipeline */
    guint failed;       /* of them, stopped by a fatal error */
    guint restarts;
    guint tracks;          /* being recorded now */
    guint segments;        /* closed and reported so far */
    guint64 bytes_written; /* closed files, plus the open ones as they are now */
    guint64 packets;       /* RTP packets taken into the pipelines */
    guint64 dropped;       /* dropped before a pipeline: queue full, not ready, not playing */
    guint64 keyframe_requests;
} MediaRecordingStats;

void media_recording_get_stats(MediaRecording *recording, MediaRecordingStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaRecording, media_recording_free)

/* ---- the meeting's program: the composite and its public live stream ----
 *
 * A MediaProgram composes what a room's participants publish into one picture and one sound,
 * encoded once (H.264 + AAC) and written as HLS (index.m3u8 and MPEG-TS segments named
 * "seg-<run>-NNNNN.ts", unique to each run of the pipeline) into a directory the server serves:
 * the floor holder (as the room applies the floor: a member who speaks from a hall is that
 * hall's site, media_program_set_speaker()) large, every other participant or site that
 * publishes video in a grid, a title
 * bar (body, meeting, agenda item, floor holder and the time left), and the audio the session
 * hears (the room's floor gate applies to the program as to every subscriber). The room's tap
 * feeds it decrypted RTP (one simulcast layer per participant) on the worker; the decoders' key
 * frame requests become PLIs to the publishers. Closed (họp kín): a slate over the whole
 * picture, every sound muted, from the next frame.
 *
 * Ownership: the caller owns the program and frees it before the room is destroyed. Thread: the
 * engine's main context, like the rest of this section; the pipeline runs on GStreamer's threads.
 */
typedef struct _MediaProgram MediaProgram;

/* The program's pipeline failed: @fatal FALSE, it is being rebuilt (once); TRUE, it stopped. On
 * the engine's main context. The program may not be freed from inside this callback. */
typedef void (*MediaProgramErrorFunc)(gpointer user_data, const char *message, gboolean fatal);

/* A file of the program's archive was opened (nothing written yet: no end, size or hash) or
 * closed and hashed: participant_id 0, track "program", kind video, codec "h264+aac" (both in
 * one Matroska file). On the engine's main context; the program may not be freed from inside. */
typedef void (*MediaProgramSegmentFunc)(gpointer user_data, const MediaSegmentInfo *segment);

/* media_program_stop() is complete: the playlist is final and the archive's last file closed
 * and reported. On the engine's main context; the program may be freed from inside. */
typedef void (*MediaProgramStoppedFunc)(gpointer user_data);

typedef struct {
    const char *hls_dir;              /* made when missing; NULL: no HLS (archive_dir required) */
    guint height;                     /* 16:9 picture; 0: 720 */
    guint fps;                        /* 0: 15 */
    MediaProgramErrorFunc error_func; /* may be NULL */
    gpointer user_data;
    /* The archive: the same encoded program also written to ARCHIVE_DIR/program-mID-*.mkv
     * (Matroska written unbuffered: a killed process leaves it playable), cut every
     * archive_segment_seconds (0: 30 minutes). NULL: no archive. The slate is in it too. */
    const char *archive_dir;
    guint archive_segment_seconds;
    MediaProgramSegmentFunc archive_opened; /* may be NULL */
    MediaProgramSegmentFunc archive_closed; /* may be NULL */
    MediaProgramStoppedFunc stopped;        /* may be NULL */
} MediaProgramConfig;

typedef struct {
    gboolean running; /* FALSE once the pipeline failed twice */
    guint inputs;     /* participants' tracks fed to it */
    guint visible;    /* video tiles shown */
    guint restarts;   /* pipeline rebuilt after an error */
    guint64 frames;   /* encoded */
    guint64 packets;  /* RTP packets taken from the tap */
    guint64 dropped;  /* packets dropped: a bounded queue was full or the pipeline restarting */
    guint64 keyframe_requests; /* PLIs asked of publishers */
    /* wall clock (g_get_real_time()) of the first frame encoded after the last closure (the
     * slate); 0: none yet */
    gint64 slate_shown_us;
} MediaProgramStats;

/* Starts the program of @room (transfer full), or NULL with MEDIA_ERROR_FAILED (the pipeline
 * cannot be built, the directory cannot be made) or MEDIA_ERROR_BUSY. */
MediaProgram *media_program_new(MediaRoom *room, const MediaProgramConfig *config, GError **error);
/* Who is shown large: the floor holder as the room applied it (MediaEngineListener's
 * floor_applied); 0: nobody, the grid takes the whole picture. */
void media_program_set_speaker(MediaProgram *program, guint64 participant_id);
/* The title bar; any may be NULL (left out). Copied. */
void media_program_set_title(MediaProgram *program, const char *body, const char *meeting,
                             const char *agenda_item);
/* The floor holder's name (NULL: nobody) and the end of the turn (g_get_real_time(), 0: none). */
void media_program_set_floor(MediaProgram *program, const char *holder, gint64 deadline_us);
void media_program_set_closed(MediaProgram *program, gboolean closed);
void media_program_get_stats(MediaProgram *program, MediaProgramStats *stats);
/* Ends the program cleanly: the encoders drain, the playlist gets its end, the archive's last
 * file is closed, hashed and reported (archive_closed), then MediaProgramConfig.stopped. A
 * pipeline that does not end within a few seconds is closed as it is (the file stays playable).
 * Free it afterwards (or from inside stopped). */
void media_program_stop(MediaProgram *program);
/* Stops the program at once (the playlist is left as it is; an archive file open now is
 * reported cut short, playable as far as it was written) and leaves the room. */
void media_program_free(MediaProgram *program);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaProgram, media_program_free)

/* What a recorded file holds, read through to its end (for files a crash left open, whose
 * headers lack the duration). */
typedef struct {
    gint64 duration_us; /* from its first to its last frame */
    guint64 frames;     /* buffers read */
    guint64 size;       /* bytes */
} MediaSegmentProbe;

/* Reads @path (a recording's WebM/Matroska file) to its end without decoding. FALSE with an
 * error naming what is wrong when it is missing, empty or does not play (MEDIA_ERROR_NOT_FOUND
 * when missing, MEDIA_ERROR_INVALID otherwise). Blocks (about a second per GB): call it from a
 * worker thread. Any thread. */
gboolean media_segment_probe(const char *path, MediaSegmentProbe *probe, GError **error);

/* ---- a hall's IP camera (RTSP) publishing as a site of the room ----
 *
 * A MediaCamera pulls a site's RTSP URL (media/gst/ingest.h: H.264 Constrained Baseline, VP8
 * and Opus passed through, other video transcoded to Constrained Baseline, G.711 (PCMU, PCMA)
 * and AAC audio to Opus; reconnects with backoff, for ever) and publishes what comes out as
 * the tracks of a participant of the room that the caller has added (a site, MEDIA_ROLE_SITE):
 * browsers receive it like any publisher, each track from its first packet (@func is told),
 * the floor gate applies to its audio. Packets go from GStreamer's thread to the room's worker
 * through a bounded queue (CAMERA_QUEUE packets: past it they are dropped and counted); on the
 * worker each track keeps one SSRC and continuous sequence numbers and timestamps across
 * reconnections, so subscribers see one stream that paused. A PLI from a subscriber reaches
 * the camera (honoured when transcoding; cameras often ignore it: set a 1-2 s key frame
 * interval). Transcoding is logged once per connection and shown in the stats (transcoding).
 *
 * Ownership: the caller owns the camera and frees it before removing the participant or
 * destroying the room. Thread: the engine's main context; @func is called there.
 */
typedef struct _MediaCamera MediaCamera;

#define MEDIA_CAMERA_URL_MAX 1000

typedef enum {
    MEDIA_CAMERA_CONNECTING,
    MEDIA_CAMERA_PLAYING,
    MEDIA_CAMERA_RECONNECTING,
} MediaCameraState;

typedef struct {
    MediaCameraState state;
    guint connects;
    guint reconnects;        /* drops that led to a new attempt */
    gboolean video, audio;   /* published now */
    gboolean transcoding[2]; /* by MediaKind */
    guint64 packets;         /* handed to the room */
    guint64 dropped;         /* the queue to the worker was full */
} MediaCameraStats;

/* The camera's connection changed: @message says why it dropped (RECONNECTING), else NULL.
 * Also called with the state unchanged when a track of the camera is published in the room
 * (its video and audio start apart: a transcoded stream comes out later than the other), so
 * that subscribers are offered it. */
typedef void (*MediaCameraStateFunc)(gpointer user_data, MediaCamera *camera,
                                     MediaCameraState state, const char *message);

/* Whether @url can be a hall camera's address: rtsp://, rtsps:// or rtspt://, a host (a name,
 * an IPv4 address or a bracketed IPv6 one), an optional port 1-65535, at most
 * MEDIA_CAMERA_URL_MAX bytes, printable ASCII without spaces. FALSE with MEDIA_ERROR_INVALID
 * and a message naming what is wrong (never the password). Any thread. */
gboolean media_camera_check_url(const char *url, GError **error);
/* @url without its user and password, for display (transfer full); NULL when not valid. */
char *media_camera_dup_display_url(const char *url);

/* Starts pulling @url as @participant_id's tracks (transfer full), or NULL with
 * MEDIA_ERROR_INVALID (the URL), MEDIA_ERROR_FAILED (GStreamer elements missing) or BUSY. */
MediaCamera *media_camera_new(MediaRoom *room, guint64 participant_id, const char *url,
                              MediaCameraStateFunc func, gpointer user_data, GError **error);
void media_camera_get_stats(MediaCamera *camera, MediaCameraStats *stats);
/* Stops at once; the participant's tracks stay in the room until it is removed. */
void media_camera_free(MediaCamera *camera);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MediaCamera, media_camera_free)

G_END_DECLS
