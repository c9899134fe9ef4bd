/* rtcp.h: bounds-checked RTCP compound reader and writer (private to media/).
 *
 * Reading: an RtcpIter walks a compound packet (RFC 3550 §6.1) one RtcpPacket at a time; typed
 * parsers then read one packet: SR/RR (§6.4), SDES (§6.5), BYE (§6.6), transport and payload
 * feedback (RFC 4585 §6.1): generic NACK (§6.2.1), PLI (§6.3.1), FIR (RFC 5104 §4.3.1),
 * REMB (draft-alvestrand-rmcat-remb-03 §2.2) and transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). Every view borrows the caller's
 * bytes (transfer none) and nothing allocates.
 *
 * Writing: an RtcpWriter appends packets to a caller buffer to build one compound packet. An add
 * that does not fit writes nothing and makes the writer fail: later adds do nothing and
 * rtcp_writer_finish() returns that first error, so a half-written compound is never sent.
 *
 * Errors: 0 or a negative errno; -EBADMSG for malformed input, -EPROTOTYPE when a typed parser is
 * given a packet of another type, -ENOSPC when a writer's buffer is too small.
 *
 * Thread: no global state.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RTCP_HEADER_LEN       4
#define RTCP_REPORT_BLOCK_LEN 24
#define RTCP_MAX_COUNT        31 /* the 5-bit count field */

typedef enum {
    RTCP_TYPE_SR = 200,
    RTCP_TYPE_RR = 201,
    RTCP_TYPE_SDES = 202,
    RTCP_TYPE_BYE = 203,
    RTCP_TYPE_APP = 204,
    RTCP_TYPE_RTPFB = 205, /* transport layer feedback, RFC 4585 §6.2 */
    RTCP_TYPE_PSFB = 206,  /* payload-specific feedback, RFC 4585 §6.3 */
    RTCP_TYPE_XR = 207,
} RtcpType;

/* FMT values of RTPFB and PSFB. */
#define RTCP_RTPFB_FMT_NACK 1  /* RFC 4585 §6.2.1 */
#define RTCP_RTPFB_FMT_TWCC 15 /* transport-wide cc feedback */
#define RTCP_PSFB_FMT_PLI   1  /* RFC 4585 §6.3.1 */
#define RTCP_PSFB_FMT_FIR   4  /* RFC 5104 §4.3.1 */
#define RTCP_PSFB_FMT_AFB   15 /* application layer feedback: REMB */

#define RTCP_SDES_END   0
#define RTCP_SDES_CNAME 1

/* One packet of a compound. */
typedef struct {
    guint8 type;        /* PT */
    guint8 count;       /* the 5-bit field: RC, SC or FMT */
    const guint8 *data; /* first byte of the header (borrowed) */
    gsize len;          /* header included, padding excluded */
} RtcpPacket;

static inline const guint8 *rtcp_packet_body(const RtcpPacket *pkt)
{
    return pkt->data + RTCP_HEADER_LEN;
}

static inline gsize rtcp_packet_body_len(const RtcpPacket *pkt)
{
    return pkt->len - RTCP_HEADER_LEN;
}

typedef struct {
    const guint8 *data;
    gsize len;
    gsize pos;
} RtcpIter;

void rtcp_iter_init(RtcpIter *iter, const guint8 *data, gsize len);
/* Returns 1 and fills @pkt, 0 at the end, -EBADMSG when the next packet is malformed (version
 * not 2, length past the end, padding anywhere but in the last packet, RFC 3550 A.2); after an
 * error the iterator stays at the end. */
int rtcp_iter_next(RtcpIter *iter, RtcpPacket *pkt);

/* Checks a whole compound packet: at least one packet, every header well formed. Reduced-size
 * RTCP (RFC 5506) is accepted, so the first packet need not be SR or RR.
 * Returns the number of packets, or -EBADMSG. */
int rtcp_compound_validate(const guint8 *data, gsize len);

/* ---- SR and RR (RFC 3550 §6.4) ---- */

typedef struct {
    guint64 ntp_timestamp; /* 32.32 fixed point seconds since 1900 */
    guint32 rtp_timestamp;
    guint32 packet_count;
    guint32 octet_count;
} RtcpSenderInfo;

typedef struct {
    guint32 ssrc;           /* the source this block reports on */
    guint8 fraction_lost;   /* 8-bit fixed point fraction */
    gint32 cumulative_lost; /* 24-bit signed */
    guint32 highest_seq;    /* extended highest sequence number received */
    guint32 jitter;         /* interarrival jitter in timestamp units */
    guint32 lsr;            /* middle 32 bits of the last SR's NTP timestamp */
    guint32 dlsr;           /* delay since that SR, 1/65536 s */
} RtcpReportBlock;

typedef struct {
    guint32 ssrc; /* the sender of the report */
    gboolean has_sender_info;
    RtcpSenderInfo sender_info;
    guint n_blocks;
    const guint8 *blocks; /* n_blocks * RTCP_REPORT_BLOCK_LEN bytes */
} RtcpReport;

/* Parses an SR or RR. Returns 0, -EPROTOTYPE, or -EBADMSG when the blocks do not fit. */
int rtcp_report_parse(const RtcpPacket *pkt, RtcpReport *report);
void rtcp_report_get_block(const RtcpReport *report, guint index, RtcpReportBlock *block);

/* ---- SDES (RFC 3550 §6.5) ---- */

typedef struct {
    guint32 ssrc; /* the chunk's SSRC/CSRC */
    guint8 type;  /* RTCP_SDES_CNAME, ... */
    guint8 len;
    const guint8 *value; /* not NUL-terminated */
} RtcpSdesItem;

typedef struct {
    const RtcpPacket *pkt;
    gsize pos;
    guint chunks_left;
    gboolean in_chunk;
    guint32 ssrc;
} RtcpSdesIter;

void rtcp_sdes_iter_init(RtcpSdesIter *iter, const RtcpPacket *pkt);
/* Returns 1 and fills @item, 0 at the end, -EBADMSG (a chunk or item past the end, a chunk with
 * no terminating null octet), -EPROTOTYPE when @pkt is not SDES. */
int rtcp_sdes_iter_next(RtcpSdesIter *iter, RtcpSdesItem *item);
/* The first CNAME item of an SDES packet. Returns 0, -ENOENT, -EBADMSG or -EPROTOTYPE. */
int rtcp_sdes_find_cname(const RtcpPacket *pkt, RtcpSdesItem *item);

/* ---- BYE (RFC 3550 §6.6) ---- */

typedef struct {
    guint n_ssrcs;
    const guint8 *ssrcs;  /* n_ssrcs * 4 bytes */
    const guint8 *reason; /* NULL when absent; not NUL-terminated */
    guint8 reason_len;
} RtcpBye;

int rtcp_bye_parse(const RtcpPacket *pkt, RtcpBye *bye);
guint32 rtcp_bye_get_ssrc(const RtcpBye *bye, guint index);

/* ---- feedback (RFC 4585 §6.1) ---- */

typedef struct {
    guint8 type; /* RTCP_TYPE_RTPFB or RTCP_TYPE_PSFB */
    guint8 fmt;
    guint32 sender_ssrc;
    guint32 media_ssrc;
    const guint8 *fci; /* feedback control information */
    gsize fci_len;
} RtcpFeedback;

/* Any RTPFB or PSFB packet: the common 12-byte part. Returns 0, -EPROTOTYPE or -EBADMSG. */
int rtcp_feedback_parse(const RtcpPacket *pkt, RtcpFeedback *fb);

/* Generic NACK: one or more 4-byte items (PID, BLP). The typed parsers return -EPROTOTYPE when
 * the packet is another type or FMT. */
int rtcp_nack_parse(const RtcpPacket *pkt, RtcpFeedback *fb);
static inline guint rtcp_nack_get_n_items(const RtcpFeedback *fb)
{
    return (guint)(fb->fci_len / 4);
}
void rtcp_nack_get_item(const RtcpFeedback *fb, guint index, guint16 *pid, guint16 *blp);
/* Writes the lost sequence numbers of all items to @seqs, in packet order, at most @max.
 * Returns how many were written. */
gsize rtcp_nack_expand(const RtcpFeedback *fb, guint16 *seqs, gsize max);

int rtcp_pli_parse(const RtcpPacket *pkt, RtcpFeedback *fb);

/* FIR: 8-byte items (SSRC, command sequence number, 3 reserved bytes). */
int rtcp_fir_parse(const RtcpPacket *pkt, RtcpFeedback *fb);
static inline guint rtcp_fir_get_n_items(const RtcpFeedback *fb)
{
    return (guint)(fb->fci_len / 8);
}
void rtcp_fir_get_item(const RtcpFeedback *fb, guint index, guint32 *ssrc, guint8 *seq_nr);

typedef struct {
    guint32 sender_ssrc;
    guint64 bitrate; /* bits per second, saturated at G_MAXUINT64 */
    guint n_ssrcs;
    const guint8 *ssrcs;
} RtcpRemb;

/* A PSFB/AFB packet whose FCI starts with "REMB". -EPROTOTYPE for other AFB messages. */
int rtcp_remb_parse(const RtcpPacket *pkt, RtcpRemb *remb);
guint32 rtcp_remb_get_ssrc(const RtcpRemb *remb, guint index);

/* ---- transport-wide congestion control feedback ---- */

typedef enum {
    RTCP_TWCC_NOT_RECEIVED = 0,
    RTCP_TWCC_SMALL_DELTA = 1, /* received, delta 0..255 in 250 us units */
    RTCP_TWCC_LARGE_DELTA = 2, /* received, signed 16-bit delta in 250 us units */
} RtcpTwccStatus;

typedef struct {
    guint32 sender_ssrc;
    guint32 media_ssrc;
    guint16 base_seq;
    guint16 status_count;
    gint32 reference_time; /* signed 24-bit, multiples of 64 ms */
    guint8 fb_pkt_count;
    const guint8 *chunks;
    gsize chunks_len;
    const guint8 *deltas;
    gsize deltas_len;
} RtcpTwcc;

/* Parses the header and checks that the packet status chunks cover status_count packets and
 * that every receive delta they announce is present. Returns 0, -EPROTOTYPE or -EBADMSG. */
int rtcp_twcc_parse(const RtcpPacket *pkt, RtcpTwcc *twcc);

typedef struct {
    const RtcpTwcc *twcc;
    guint done;      /* statuses returned so far */
    gsize chunk_pos; /* offset of the current chunk in twcc->chunks */
    guint in_chunk;  /* statuses already taken from the current chunk */
    gsize delta_pos; /* offset of the next delta in twcc->deltas */
} RtcpTwccIter;

void rtcp_twcc_iter_init(RtcpTwccIter *iter, const RtcpTwcc *twcc);
/* One packet's status; @delta is in 250 us units and is 0 for RTCP_TWCC_NOT_RECEIVED.
 * Only for an RtcpTwcc that rtcp_twcc_parse() accepted. Returns FALSE after the last one. */
gboolean rtcp_twcc_iter_next(RtcpTwccIter *iter, guint16 *seq, RtcpTwccStatus *status,
                             gint32 *delta);

/* ---- writing ---- */

typedef struct {
    guint8 *buf;
    gsize cap;
    gsize len;
    int error; /* the first failure, or 0 */
} RtcpWriter;

void rtcp_writer_init(RtcpWriter *writer, guint8 *buf, gsize cap);
/* Returns the compound's length in bytes, or the first error. */
int rtcp_writer_finish(const RtcpWriter *writer);

/* Each returns 0, -ENOSPC, or -EINVAL for arguments the format cannot carry (more than 31 report
 * blocks or SSRCs, a CNAME or reason over 255 bytes, no NACK sequence numbers). */
int rtcp_writer_add_sr(RtcpWriter *writer, guint32 ssrc, const RtcpSenderInfo *info,
                       const RtcpReportBlock *blocks, guint n_blocks);
int rtcp_writer_add_rr(RtcpWriter *writer, guint32 ssrc, const RtcpReportBlock *blocks,
                       guint n_blocks);
int rtcp_writer_add_sdes_cname(RtcpWriter *writer, guint32 ssrc, const char *cname);
int rtcp_writer_add_bye(RtcpWriter *writer, const guint32 *ssrcs, guint n_ssrcs,
                        const char *reason);
/* Packs @seqs (lost packets, best in ascending order) into PID/BLP items: a sequence number
 * within 16 after the current item's PID sets a bit, any other starts a new item. */
int rtcp_writer_add_nack(RtcpWriter *writer, guint32 sender_ssrc, guint32 media_ssrc,
                         const guint16 *seqs, gsize n_seqs);
int rtcp_writer_add_pli(RtcpWriter *writer, guint32 sender_ssrc, guint32 media_ssrc);
/* RFC 5104 §4.3.1.2: the header's media SSRC is 0 and the target goes in the FCI. */
int rtcp_writer_add_fir(RtcpWriter *writer, guint32 sender_ssrc, guint32 media_ssrc, guint8 seq_nr);
int rtcp_writer_add_remb(RtcpWriter *writer, guint32 sender_ssrc, guint64 bitrate,
                         const guint32 *ssrcs, guint n_ssrcs);

G_END_DECLS
