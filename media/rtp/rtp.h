/* rtp.h: bounds-checked RTP packet reader and in-place header rewriting (private to media/).
 *
 * An RtpPacket is a parsed view of one datagram the caller owns: it borrows the bytes (transfer
 * none) and records where each part lies. Parsing never allocates and never reads outside
 * [data, data + len). The setters rewrite the header in place, so the router can forward the very
 * buffer it received after SRTP decryption.
 *
 * Errors: functions return 0 or a negative errno. -EBADMSG means the bytes are not a well-formed
 * packet (input from the network: never asserted on). NULL arguments are programmer errors and are
 * caught by g_return_val_if_fail.
 *
 * Thread: no global state; an RtpPacket is used by the thread that owns its buffer.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RTP_VERSION    2
#define RTP_HEADER_LEN 12 /* fixed header, RFC 3550 §5.1 */
#define RTP_MAX_CSRCS  15

/* Header extension profiles (RFC 8285 §4.2, §4.3). */
#define RTP_EXT_PROFILE_ONE_BYTE      0xBEDE
#define RTP_EXT_PROFILE_TWO_BYTE      0x1000 /* the low 4 bits ("appbits") are free */
#define RTP_EXT_PROFILE_TWO_BYTE_MASK 0xFFF0

typedef enum {
    RTP_EXT_FORM_NONE,     /* X bit clear */
    RTP_EXT_FORM_ONE_BYTE, /* RFC 8285 one-byte elements (ids 1..14) */
    RTP_EXT_FORM_TWO_BYTE, /* RFC 8285 two-byte elements (ids 1..255) */
    RTP_EXT_FORM_OTHER,    /* some other profile: the block is kept but not interpreted */
} RtpExtForm;

typedef struct {
    guint8 *data; /* the whole datagram (borrowed) */
    gsize len;    /* its length in bytes */

    gboolean marker;
    guint8 payload_type;
    guint16 seq;
    guint32 timestamp;
    guint32 ssrc;
    guint8 csrc_count;

    RtpExtForm ext_form;
    guint16 ext_profile; /* the 16-bit "defined by profile" field when ext_form != NONE */
    gsize ext_offset;    /* first byte of extension data, after the 4-byte block header */
    gsize ext_len;       /* bytes of extension data (a multiple of 4) */

    gsize payload_offset;
    gsize payload_len; /* padding excluded */
    gsize padding_len; /* 0 when the P bit is clear */
} RtpPacket;

/* rtp_packet_parse:
 * Parses @len bytes at @data as an RTP packet (RFC 3550 §5.1: version 2, CSRC list, header
 * extension block, padding). @data is borrowed for as long as @pkt is used.
 * Returns 0, or -EBADMSG when the packet is truncated or inconsistent (wrong version, CSRC list or
 * extension block past the end, padding count zero or larger than the payload).
 * The extension elements are not validated here: iteration stops at the first malformed one. */
int rtp_packet_parse(RtpPacket *pkt, guint8 *data, gsize len);

static inline const guint8 *rtp_packet_payload(const RtpPacket *pkt)
{
    return pkt->data + pkt->payload_offset;
}

/* The @index-th CSRC (0 <= index < csrc_count). */
guint32 rtp_packet_get_csrc(const RtpPacket *pkt, guint index);

/* In-place rewriting of the fixed header; each also updates the matching field of @pkt. */
void rtp_packet_set_ssrc(RtpPacket *pkt, guint32 ssrc);
void rtp_packet_set_seq(RtpPacket *pkt, guint16 seq);
void rtp_packet_set_timestamp(RtpPacket *pkt, guint32 timestamp);
void rtp_packet_set_payload_type(RtpPacket *pkt, guint8 payload_type); /* 0..127 */
void rtp_packet_set_marker(RtpPacket *pkt, gboolean marker);

/* ---- header extension elements (RFC 8285) ---- */

typedef struct {
    guint8 id;     /* local identifier: 1..14 (one-byte form) or 1..255 (two-byte form) */
    gsize offset;  /* offset of the element's value in pkt->data */
    gsize len;     /* length of the value in bytes (0 is possible in the two-byte form) */
    gsize hdr_len; /* 1 or 2: the element header just before the value */
} RtpExtElement;

typedef struct {
    const RtpPacket *pkt;
    gsize pos;
} RtpExtIter;

/* Walks the elements of a one-byte or two-byte extension block, skipping padding bytes.
 * Iteration ends at the end of the block, at id 15 of the one-byte form (RFC 8285 §4.2: the rest
 * of the block is ignored) and at the first element that would run past the block. */
void rtp_ext_iter_init(RtpExtIter *iter, const RtpPacket *pkt);
gboolean rtp_ext_iter_next(RtpExtIter *iter, RtpExtElement *element);

/* Finds the first element with @id. Returns 0, or -ENOENT. */
int rtp_packet_find_extension(const RtpPacket *pkt, guint8 id, RtpExtElement *element);

/* Overwrites the value of element @id in place; @len must equal the element's length.
 * Returns 0, -ENOENT when absent, -EMSGSIZE when the lengths differ. */
int rtp_packet_set_extension_value(RtpPacket *pkt, guint8 id, const guint8 *value, gsize len);

/* Renumbers the elements in place for a receiver that negotiated other ids: the element with id
 * i gets id @map[i]; map[i] == 0 removes it (its bytes become padding, RFC 8285 §4.2/§4.3, so the
 * packet keeps its length). In the one-byte form every new id must be 1..14, else nothing is
 * changed and -EINVAL is returned. Returns the number of elements kept, or -EINVAL. */
int rtp_packet_remap_extensions(RtpPacket *pkt, const guint8 map[256]);

/* Client-to-mixer audio level (RFC 6464 §3): @voice is the V flag, @level the level in -dBov
 * (0 loudest, 127 silence). Returns 0, -ENOENT when element @ext_id is absent, -EBADMSG when it
 * is empty. */
int rtp_packet_get_audio_level(const RtpPacket *pkt, guint8 ext_id, gboolean *voice, guint8 *level);

G_END_DECLS
