/* sfu-nack-cache.c: a preallocated ring of recent packets keyed by sequence number.
 *
 * Design: slot = extended sequence number mod n_slots, where n_slots is a power of two no larger
 * than 2^15, so consecutive packets fill consecutive slots and a slot is overwritten exactly
 * n_slots packets later. Each slot records the extended sequence number it holds (RFC 3550 A.1
 * style: the 16-bit number is placed at the 2^16-spaced candidate nearest to the highest seen),
 * so a NACK for a number that wrapped around, or whose slot now holds a newer packet, finds
 * nothing instead of the wrong packet. A late packet is stored if it is still inside the window;
 * one that is not is refused, and if two in a row are consecutive (RFC 3550 A.1's rule for a
 * source that restarted its sequence) the cache starts over from them. Each slot also records its
 * arrival time: RFC 4588 §3 notes a retransmission is only useful while the receiver can still
 * play it, so packets older than max_age are reported stale rather than resent.
 *
 * The slot buffers are one allocation made at creation; store is a bounded memcpy.
 */
#include "router/sfu-nack-cache.h"

#include <errno.h>
#include <string.h>

#define SEQ_BASE G_GINT64_CONSTANT(0x10000)

typedef struct {
    gint64 ext_seq; /* -1 when empty */
    gint64 stored_us;
    gsize len;
} SfuNackSlot;

struct _SfuNackCache {
    guint n_slots;
    gsize max_packet_len;
    gint64 max_age_us;
    gboolean empty;
    gint64 ext_highest;
    gboolean have_stray;
    guint16 stray_seq; /* the last packet refused as too old, for the restart rule */
    SfuNackSlot *slots;
    guint8 *buffers; /* n_slots * max_packet_len */
};

SfuNackCache *sfu_nack_cache_new(guint n_slots, gsize max_packet_len, gint64 max_age_us)
{
    SfuNackCache *cache;

    g_return_val_if_fail(n_slots > 0 && n_slots <= SFU_NACK_CACHE_MAX_SLOTS, NULL);
    g_return_val_if_fail((n_slots & (n_slots - 1)) == 0, NULL);
    g_return_val_if_fail(max_packet_len > 0 && max_packet_len <= G_MAXSIZE / n_slots, NULL);
    g_return_val_if_fail(max_age_us > 0, NULL);

    cache = g_new0(SfuNackCache, 1);
    cache->n_slots = n_slots;
    cache->max_packet_len = max_packet_len;
    cache->max_age_us = max_age_us;
    cache->slots = g_new(SfuNackSlot, n_slots);
    cache->buffers = g_malloc((gsize)n_slots * max_packet_len);
    sfu_nack_cache_clear(cache);
    return cache;
}

void sfu_nack_cache_free(SfuNackCache *cache)
{
    if (cache == NULL)
        return;
    g_clear_pointer(&cache->slots, g_free);
    g_clear_pointer(&cache->buffers, g_free);
    g_free(cache);
}

void sfu_nack_cache_clear(SfuNackCache *cache)
{
    guint i;

    g_return_if_fail(cache != NULL);
    for (i = 0; i < cache->n_slots; i++) {
        cache->slots[i].ext_seq = -1;
        cache->slots[i].len = 0;
    }
    cache->empty = TRUE;
    cache->ext_highest = 0;
    cache->have_stray = FALSE;
}

static gint64 extend_seq(gint64 highest, guint16 seq)
{
    gint16 d = (gint16)(guint16)(seq - (guint16)(highest & 0xffff));

    return highest + d;
}

int sfu_nack_cache_store(SfuNackCache *cache, guint16 seq, const guint8 *packet, gsize len,
                         gint64 now_us)
{
    SfuNackSlot *slot;
    gint64 ext;

    g_return_val_if_fail(cache != NULL && (packet != NULL || len == 0), -EINVAL);
    if (len > cache->max_packet_len)
        return -EMSGSIZE;

    if (cache->empty) {
        ext = SEQ_BASE + seq;
        cache->ext_highest = ext;
        cache->empty = FALSE;
    } else {
        ext = extend_seq(cache->ext_highest, seq);
        if (cache->ext_highest - ext >= cache->n_slots) {
            gboolean restart = cache->have_stray && (guint16)(cache->stray_seq + 1) == seq;

            cache->have_stray = TRUE;
            cache->stray_seq = seq;
            if (!restart)
                return -ESTALE;
            sfu_nack_cache_clear(cache);
            ext = SEQ_BASE + seq;
            cache->ext_highest = ext;
            cache->empty = FALSE;
        } else if (ext > cache->ext_highest) {
            cache->ext_highest = ext;
        }
    }
    cache->have_stray = FALSE;

    slot = &cache->slots[ext & (cache->n_slots - 1)];
    slot->ext_seq = ext;
    slot->stored_us = now_us;
    slot->len = len;
    if (len > 0)
        memcpy(cache->buffers + (gsize)(ext & (cache->n_slots - 1)) * cache->max_packet_len, packet,
               len);
    return 0;
}

int sfu_nack_cache_lookup(SfuNackCache *cache, guint16 seq, gint64 now_us, const guint8 **packet,
                          gsize *len)
{
    const SfuNackSlot *slot;
    gint64 ext;

    g_return_val_if_fail(cache != NULL, -EINVAL);
    if (cache->empty)
        return -ENOENT;
    ext = extend_seq(cache->ext_highest, seq);
    slot = &cache->slots[ext & (cache->n_slots - 1)];
    if (ext > cache->ext_highest || slot->ext_seq != ext)
        return -ENOENT;
    if (now_us - slot->stored_us > cache->max_age_us)
        return -ETIME;
    if (packet != NULL)
        *packet = cache->buffers + (gsize)(ext & (cache->n_slots - 1)) * cache->max_packet_len;
    if (len != NULL)
        *len = slot->len;
    return 0;
}
