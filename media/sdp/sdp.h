/* sdp.h: reading offers and answers, writing answers and offers (private to media/).
 *
 * phonghop speaks the SDP of WebRTC (JSEP, RFC 8829) with one transport per peer: every media
 * section is bundled (RFC 8843) over ICE (RFC 8839) and DTLS-SRTP (RFC 5764, RFC 8842) with
 * RTCP multiplexed (RFC 8858). Audio is Opus; video is VP8 or H.264 with packetization-mode=1,
 * with up to three simulcast layers told apart by RID (RFC 8851, RFC 8853).
 *
 * - A browser that publishes sends an offer: sdp_parse_offer() reads and checks it, chooses a
 *   codec per media section and returns an SdpDescription; sdp_write_answer() writes our answer
 *   (our ICE credentials and candidates, our fingerprint, setup:passive, recvonly, or sendrecv /
 *   sendonly for the sections we send on).
 * - To a subscriber we send an offer: sdp_write_offer() writes it from SdpOfferMedia entries
 *   (sendonly tracks with our SSRCs and msid), and sdp_parse_answer() checks the answer against
 *   them.
 * Refused text fails with a MEDIA_SDP_ERROR (media.h) whose message can go back to the client.
 *
 * Limits, checked on the raw text before any parsing: 64 KB of text, 16 media sections, 4 KB a
 * line; ids (mid, rid) of at most 16 bytes, since they travel in one-byte RTP header extensions
 * (RFC 8285 §4.2).
 *
 * Ownership: an SdpDescription has one owner (sdp_description_free()); the strings it holds are
 * its own. Thread: no global state; any thread.
 */
#pragma once

#include <glib.h>

#include "media.h"

G_BEGIN_DECLS

#define SDP_MAX_TEXT_LEN    (256 * 1024) /* 64 sections of a browser's answer fit */
#define SDP_MAX_MEDIA       64           /* audio and video of 32 publishers */
#define SDP_MAX_LINE_LEN    4096
#define SDP_MAX_ID_LEN      16 /* mid and rid */
#define SDP_MAX_LAYERS      3
#define SDP_MAX_SSRCS       8
#define SDP_MAX_CANDIDATES  32
#define SDP_MAX_ICE_LEN     256 /* RFC 8839 §5.4 */
#define SDP_MAX_FINGERPRINT 192 /* sha-512: 64 hex pairs and colons */
#define SDP_MAX_CNAME       64
#define SDP_MAX_MSID        64

typedef enum {
    SDP_MEDIA_AUDIO,
    SDP_MEDIA_VIDEO,
    SDP_MEDIA_OTHER, /* application (data channels), text, ...: always rejected */
} SdpMediaKind;

/* Direction as the SDP's author wrote it (RFC 3264 §5.1): sendonly in a browser's offer means
 * the browser sends. */
typedef enum {
    SDP_DIRECTION_INACTIVE,
    SDP_DIRECTION_SENDONLY,
    SDP_DIRECTION_RECVONLY,
    SDP_DIRECTION_SENDRECV,
} SdpDirection;

typedef enum {
    SDP_CODEC_NONE,
    SDP_CODEC_OPUS, /* opus/48000/2 (RFC 7587) */
    SDP_CODEC_VP8,  /* VP8/90000 (RFC 7741) */
    SDP_CODEC_H264, /* H264/90000, packetization-mode=1 (RFC 6184) */
} SdpCodec;

/* RTCP feedback (RFC 4585, RFC 5104, draft-alvestrand-rmcat-remb, draft-holmer-rmcat-
 * transport-wide-cc-extensions). */
typedef enum {
    SDP_FB_NACK = 1 << 0,
    SDP_FB_NACK_PLI = 1 << 1,
    SDP_FB_CCM_FIR = 1 << 2,
    SDP_FB_GOOG_REMB = 1 << 3,
    SDP_FB_TRANSPORT_CC = 1 << 4,
} SdpFeedback;
#define SDP_FB_ALL \
    (SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB | SDP_FB_TRANSPORT_CC)

/* The RTP header extensions phonghop understands (RFC 8285 a=extmap). */
typedef enum {
    SDP_EXT_MID,               /* urn:ietf:params:rtp-hdrext:sdes:mid (RFC 8843 §15.2) */
    SDP_EXT_RID,               /* urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id (RFC 8852) */
    SDP_EXT_REPAIRED_RID,      /* urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id */
    SDP_EXT_AUDIO_LEVEL,       /* urn:ietf:params:rtp-hdrext:ssrc-audio-level (RFC 6464) */
    SDP_EXT_ABS_SEND_TIME,     /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
    SDP_EXT_TRANSPORT_CC,      /* ...draft-holmer-rmcat-transport-wide-cc-extensions-01 */
    SDP_EXT_VIDEO_ORIENTATION, /* urn:3gpp:video-orientation (3GPP TS 26.114 §7.4.5) */
    SDP_N_EXTS,
} SdpExt;

typedef enum {
    SDP_SETUP_NONE,
    SDP_SETUP_ACTPASS,
    SDP_SETUP_ACTIVE,  /* DTLS client */
    SDP_SETUP_PASSIVE, /* DTLS server */
} SdpSetup;

typedef struct {
    char id[SDP_MAX_ID_LEN + 1];
    gboolean paused; /* "~rid" in a=simulcast (RFC 8853 §5.1) */
} SdpRid;

/* One media section, as read and negotiated. */
typedef struct {
    guint index; /* position among the m= lines */
    SdpMediaKind kind;
    char mid[SDP_MAX_ID_LEN + 1];
    SdpDirection direction; /* the author's */
    gboolean accepted;      /* FALSE: rejected (port 0 in the answer, or by the answerer) */

    /* The chosen codec (accepted sections only). */
    SdpCodec codec;
    guint8 payload_type;
    guint clock_rate;
    guint channels;             /* audio */
    guint32 h264_profile_level; /* profile-level-id as a 24-bit number (H.264) */
    gint rtx_payload_type;      /* RFC 4588 rtx with apt=payload_type, or -1 */
    guint feedback;             /* SdpFeedback: offered for the codec, and kept */
    gboolean rtcp_rsize;        /* a=rtcp-rsize (RFC 5506) */

    guint8 ext_ids[SDP_N_EXTS]; /* a=extmap ids; 0: not negotiated */

    guint n_rids; /* simulcast layers (RFC 8853), in the a=simulcast order */
    SdpRid rids[SDP_MAX_LAYERS];

    guint n_ssrcs; /* a=ssrc ids of the author (media first, as listed) */
    guint32 ssrcs[SDP_MAX_SSRCS];
    guint32 rtx_ssrcs[SDP_MAX_SSRCS]; /* a=ssrc-group:FID partner of ssrcs[i], or 0 */
    char cname[SDP_MAX_CNAME + 1];
    char msid_stream[SDP_MAX_MSID + 1];
    char msid_track[SDP_MAX_MSID + 1];

    /* For writing a rejected section back: the m= line's media, protocol and first format. */
    char media_name[16];
    char proto[32];
    char first_format[32];
} SdpMedia;

/* A remote offer or answer, read and checked. */
typedef struct {
    gboolean is_offer;
    char ice_ufrag[SDP_MAX_ICE_LEN + 1];
    char ice_pwd[SDP_MAX_ICE_LEN + 1];
    gboolean ice_lite;
    char fingerprint_hash[8]; /* "sha-256", "sha-1", "sha-384", "sha-512" */
    char fingerprint[SDP_MAX_FINGERPRINT + 1];
    SdpSetup setup;
    gint bundle_tag; /* index of the BUNDLE-tagged section (RFC 8843 §7.2), or -1 */
    guint n_media;
    SdpMedia media[SDP_MAX_MEDIA];
    GPtrArray *candidates; /* char *: "candidate:..." of the tagged (or only) section */
    gboolean end_of_candidates;
} SdpDescription;

void sdp_description_free(SdpDescription *desc);

/* What the answerer or offerer is willing to use. */
typedef struct {
    SdpCodec video_codecs[2]; /* preference order; SDP_CODEC_NONE ends the list */
    guint feedback;           /* SdpFeedback bits we may negotiate; with SDP_FB_TRANSPORT_CC the
                               * transport-cc extension too (off by default: the router answers REMB) */
    guint max_layers;         /* simulcast layers accepted, 1..SDP_MAX_LAYERS */
    gboolean rtx;             /* answer RTX (RFC 4588) when offered */
} SdpPrefs;

/* VP8 then H.264; nack, nack pli, ccm fir and goog-remb; three layers; no RTX (the router
 * retransmits from its NACK cache on the original stream) and no transport-cc (the router sends
 * REMB, and a browser that negotiated transport-cc would wait for feedback it never gets). */
void sdp_prefs_init(SdpPrefs *prefs);

/* Our side of the transport, borrowed for one call. */
typedef struct {
    const char *ice_ufrag;
    const char *ice_pwd;
    const char *fingerprint;       /* sha-256, hex pairs with colons */
    const char *const *candidates; /* "candidate:..." lines, NULL-terminated; may be empty */
    gboolean end_of_candidates;
} SdpTransport;

/* What we send on one media section: a stream with our SSRC (RFC 5576 a=ssrc) and an msid
 * (RFC 8830). ssrc 0: we send nothing there. */
typedef struct {
    guint32 ssrc;
    const char *cname;
    const char *stream_id; /* msid stream id; NULL: "-" (no stream) */
    const char *track_id;
} SdpSendTrack;

/* Reads an offer. Every media section is checked; those that cannot be used are marked
 * rejected (data channels, sections outside the BUNDLE group), those that are broken or ask for
 * what we cannot do fail the whole offer with a clear message. Transfer full. */
SdpDescription *sdp_parse_offer(const char *text, gsize len, const SdpPrefs *prefs, GError **error);

/* Writes the answer to @offer (RFC 3264 §6, JSEP §5.3.1). @send is NULL or has offer->n_media
 * entries: where one has an SSRC and the offer lets us send, the answer sends. Our setup is
 * passive unless the offer is passive. Transfer full. */
char *sdp_write_answer(const SdpDescription *offer, const SdpTransport *transport,
                       const SdpSendTrack *send, guint64 session_id, GError **error);

/* One media section of an offer we make. */
typedef struct {
    SdpMediaKind kind; /* audio or video */
    const char *mid;
    SdpDirection direction; /* ours: sendonly, or inactive for a stopped track */
    SdpCodec codec;
    guint8 payload_type;
    guint32 h264_profile_level; /* H.264 only; 0: 0x42e01f */
    guint feedback;             /* SdpFeedback */
    guint8 ext_ids[SDP_N_EXTS]; /* 0: not offered */
    SdpSendTrack send;
} SdpOfferMedia;

/* Writes an offer (JSEP §5.2.1): one bundled section per entry, setup:actpass. Transfer full. */
char *sdp_write_offer(const SdpOfferMedia *media, guint n_media, const SdpTransport *transport,
                      guint64 session_id, guint version, GError **error);

/* Reads the answer to an offer we wrote from @offered. Transfer full. */
SdpDescription *sdp_parse_answer(const char *text, gsize len, const SdpOfferMedia *offered,
                                 guint n_offered, GError **error);

/* Our DTLS role once @remote is known (RFC 8842 §5.3): passive (server) unless the remote is
 * passive. */
SdpSetup sdp_local_setup(const SdpDescription *remote);

const char *sdp_codec_to_string(SdpCodec codec);
const char *sdp_direction_to_string(SdpDirection direction);
/* The extension's URI (transfer none, static). */
const char *sdp_ext_uri(SdpExt ext);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SdpDescription, sdp_description_free)

G_END_DECLS
