/* sfu-nack-gen.h: the packets missing from one incoming stream, for NACKs to its publisher
 * (private to media/).
 *
 * A gap in a publisher's sequence numbers is a loss on its uplink (or a packet late on the way).
 * The router asks the publisher for each missing packet with a generic NACK (RFC 4585 §6.2.1) as
 * soon as the gap shows, then again each retry interval while it is still missing, a few times at
 * most and only while a retransmission can still be of use; the retransmission (on the same SSRC
 * without RTX, which phonghop does not negotiate) or the late packet itself takes the entry out.
 * A jump larger than the table (a burst too long to repair) forgets the gap instead: the caller
 * asks for a key frame. Sequence numbers are compared across 16-bit wrap-around.
 *
 * An SfuNackGen is a plain struct embedded in its owner; nothing allocates.
 * Thread: the media worker that owns the stream.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SFU_NACK_GEN_MAX        128 /* missing packets tracked per stream */
#define SFU_NACK_GEN_TRIES      3   /* NACKs sent for one packet, the first included */
#define SFU_NACK_GEN_MAX_AGE_US (1000 * 1000)
#define SFU_NACK_GEN_RESET      1000 /* a jump this far either way restarts the tracking */

typedef struct {
    guint16 seq;
    guint8 tries;
    gint64 first_us; /* when the gap showed */
    gint64 sent_us;  /* the last NACK for it; 0: none yet */
} SfuNackGenEntry;

typedef struct {
    gboolean started;
    guint16 highest;
    guint n;
    SfuNackGenEntry entries[SFU_NACK_GEN_MAX]; /* oldest gap first */
    guint64 recovered;                         /* missing packets that arrived later */
    guint64 given_up;                          /* dropped after the tries or the age */
} SfuNackGen;

void sfu_nack_gen_init(SfuNackGen *gen);

/* Packet @seq arrived at @now_us. Returns the number of packets newly found missing (0 for a
 * packet in order, a late one or a duplicate), or -1 when the gap was larger than
 * SFU_NACK_GEN_MAX: it is forgotten and a key frame is the repair. */
int sfu_nack_gen_on_packet(SfuNackGen *gen, guint16 seq, gint64 now_us);

/* The sequence numbers to NACK now (at most @max, in order): those never asked for, and those
 * asked for at least @retry_us ago with tries left. Entries out of tries or older than
 * SFU_NACK_GEN_MAX_AGE_US are dropped. Returns how many were written to @seqs. */
gsize sfu_nack_gen_collect(SfuNackGen *gen, gint64 now_us, gint64 retry_us, guint16 *seqs,
                           gsize max);

/* Packets still missing. */
static inline guint sfu_nack_gen_pending(const SfuNackGen *gen)
{
    return gen->n;
}

G_END_DECLS
