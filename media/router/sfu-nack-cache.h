/* sfu-nack-cache.h: recently received packets of one stream, kept for retransmission
 * (private to media/).
 *
 * When a subscriber reports a loss (generic NACK, RFC 4585 §6.2.1) the router resends the packet
 * from here instead of asking the publisher. The cache is a ring of fixed-size slots mapped once at
 * creation: storing copies the packet into the slot of its sequence number, so the packet path
 * allocates nothing. The ring uses as many slots as hold the maximum age of the stream (it grows
 * to at most n_slots), and only the slots used take memory. Lookups find a packet only if its slot
 * still holds exactly that packet (the sequence number is extended across 16-bit wrap-around) and
 * it is younger than the maximum age: an old packet is useless to a real-time receiver and costs
 * the bandwidth it lacks.
 *
 * Ownership: one owner calls sfu_nack_cache_free(). Thread: the media worker that owns the stream.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SFU_NACK_CACHE_MAX_SLOTS 32768 /* at most half the sequence number space */

typedef struct _SfuNackCache SfuNackCache;

/* @n_slots: a power of two, 1..SFU_NACK_CACHE_MAX_SLOTS; @max_packet_len: the largest packet kept
 * (1500 is one Ethernet MTU); @max_age_us: older packets are not returned. Transfer full. */
SfuNackCache *sfu_nack_cache_new(guint n_slots, gsize max_packet_len, gint64 max_age_us);
void sfu_nack_cache_free(SfuNackCache *cache);

/* Copies @len bytes of packet @seq received at @now_us. Returns 0; -EMSGSIZE when larger than
 * the slots; -ESTALE when older than the ring reaches (not stored). Two consecutive sequence
 * numbers far outside the window (a stream that restarted its numbering) reset the cache. */
int sfu_nack_cache_store(SfuNackCache *cache, guint16 seq, const guint8 *packet, gsize len,
                         gint64 now_us);

/* Finds packet @seq. Returns 0 with @packet and @len pointing into the cache (transfer none,
 * valid until the next store or clear); -ENOENT when it was never stored or has been
 * overwritten; -ETIME when it is there but older than the maximum age. */
int sfu_nack_cache_lookup(SfuNackCache *cache, guint16 seq, gint64 now_us, const guint8 **packet,
                          gsize *len);

/* The slots in use now: MIN(n_slots, 128) at first, doubled while the ring holds less than the
 * maximum age of the stream. */
guint sfu_nack_cache_get_window(const SfuNackCache *cache);

/* Forgets every packet (the publisher's stream restarted). */
void sfu_nack_cache_clear(SfuNackCache *cache);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfuNackCache, sfu_nack_cache_free)

G_END_DECLS
