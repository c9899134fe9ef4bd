/* sfu-nack-cache.c: a preallocated ring of recent packets keyed by sequence number.
 *
 * Design: slot = extended sequence number mod n_active (the slots in use, below), a power of two no
 * larger than 2^15, so consecutive packets fill consecutive slots and a slot is overwritten exactly
 * n_active packets later. Each slot records the extended sequence number it holds (RFC 3550 A.1
 * style: the 16-bit number is placed at the 2^16-spaced candidate nearest to the highest seen),
 * so a NACK for a number that wrapped around, or whose slot now holds a newer packet, finds
 * nothing instead of the wrong packet. A late packet is stored if it is still inside the window;
 * one that is not is refused, and if two in a row are consecutive (RFC 3550 A.1's rule for a
 * source that restarted its sequence) the cache starts over from them. Each slot also records its
 * arrival time: RFC 4588 §3 notes a retransmission is only useful while the receiver can still
 * play it, so packets older than max_age are reported stale rather than resent.
 *
 * The slot buffers are one mapping made at creation (n_slots * max_packet_len of address space),
 * but only the first n_active slots are used, and a page of the mapping takes memory only once
 * written. n_active starts small and doubles (up to n_slots) whenever the ring went round once in
 * less than max_age: the ring then holds less than max_age of the stream, and packets a receiver
 * could still use would be overwritten. So a stream keeps about max_age of itself, rounded up to
 * a power of two of packets: 1.2 Mb/s of VP8 (150 packets a second) settles at 256 slots, a
 * simulcast low layer at the initial 128, where every stream used to hold n_slots. On growth the
 * packets whose slot changes (half of them) are copied to their new slot: a few times in a
 * stream's life, and no allocation. Store is otherwise a bounded memcpy.
 */
#include "router/sfu-nack-cache.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define SEQ_BASE       G_GINT64_CONSTANT(0x10000)
#define INITIAL_ACTIVE 128

typedef struct {
    gint64 ext_seq; /* -1 when empty */
    gint64 stored_us;
    gsize len;
} SfuNackSlot;

struct _SfuNackCache {
    guint n_slots;
    guint n_active; /* slots in use: a power of two, at most n_slots */
    gsize max_packet_len;
    gint64 max_age_us;
    gboolean empty;
    gint64 ext_highest;
    gboolean have_stray;
    guint16 stray_seq; /* the last packet refused as too old, for the restart rule */
    gint64 lap_ext;    /* the highest number when the current lap of the ring began */
    gint64 lap_us;     /* and when */
    SfuNackSlot *slots;
    guint8 *buffers; /* n_slots * max_packet_len, mapped; the first n_active slots used */
    gsize buffers_len;
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
    cache->n_active = MIN(n_slots, INITIAL_ACTIVE);
    cache->max_packet_len = max_packet_len;
    cache->max_age_us = max_age_us;
    cache->slots = g_new(SfuNackSlot, n_slots);
    /* Mapped rather than malloc'd: untouched pages stay free whatever malloc's thresholds. */
    cache->buffers_len = (gsize)n_slots * max_packet_len;
    cache->buffers = mmap(NULL, cache->buffers_len, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (cache->buffers == MAP_FAILED)
        g_error("sfu-nack-cache: cannot map %" G_GSIZE_FORMAT " bytes: %s", cache->buffers_len,
                g_strerror(errno));
    sfu_nack_cache_clear(cache);
    return cache;
}

void sfu_nack_cache_free(SfuNackCache *cache)
{
    if (cache == NULL)
        return;
    g_clear_pointer(&cache->slots, g_free);
    munmap(cache->buffers, cache->buffers_len);
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
    cache->lap_ext = 0;
    cache->lap_us = 0;
    cache->empty = TRUE;
    cache->ext_highest = 0;
    cache->have_stray = FALSE;
}

guint sfu_nack_cache_get_window(const SfuNackCache *cache)
{
    g_return_val_if_fail(cache != NULL, 0);
    return cache->n_active;
}

static guint8 *slot_buffer(SfuNackCache *cache, guint index)
{
    return cache->buffers + (gsize)index * cache->max_packet_len;
}

/* Doubles the slots in use. A packet's slot is its number modulo n_active, so after doubling
 * the packets whose number has that bit set move up by the old n_active; the window they came
 * from is exactly the old n_active numbers, so no two land on one slot, and the upper half was
 * never used, so nothing is overwritten. */
static void grow(SfuNackCache *cache)
{
    guint old = cache->n_active;

    cache->n_active = old * 2;
    for (guint i = 0; i < old; i++) {
        SfuNackSlot *from = &cache->slots[i];

        if (from->ext_seq < 0 || (from->ext_seq & old) == 0)
            continue;
        cache->slots[i + old] = *from;
        if (from->len > 0)
            memcpy(slot_buffer(cache, i + old), slot_buffer(cache, i), from->len);
        from->ext_seq = -1;
        from->len = 0;
    }
}

/* At a new highest number: when the ring has gone round since the lap began, and in less than
 * max_age, it is too small for this stream. */
static void follow_lap(SfuNackCache *cache, gint64 ext, gint64 now_us)
{
    if (ext - cache->lap_ext < cache->n_active)
        return;
    if (now_us - cache->lap_us < cache->max_age_us && cache->n_active < cache->n_slots)
        grow(cache);
    cache->lap_ext = ext;
    cache->lap_us = now_us;
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
        cache->lap_ext = ext;
        cache->lap_us = now_us;
    } else {
        ext = extend_seq(cache->ext_highest, seq);
        if (cache->ext_highest - ext >= cache->n_active) {
            gboolean restart = cache->have_stray && (guint16)(cache->stray_seq + 1) == seq;

            cache->have_stray = TRUE;
            cache->stray_seq = seq;
            if (!restart)
                return -ESTALE;
            sfu_nack_cache_clear(cache);
            ext = SEQ_BASE + seq;
            cache->ext_highest = ext;
            cache->empty = FALSE;
            cache->lap_ext = ext;
            cache->lap_us = now_us;
        } else if (ext > cache->ext_highest) {
            follow_lap(cache, ext, now_us);
            cache->ext_highest = ext;
        }
    }
    cache->have_stray = FALSE;

    slot = &cache->slots[ext & (cache->n_active - 1)];
    slot->ext_seq = ext;
    slot->stored_us = now_us;
    slot->len = len;
    if (len > 0)
        memcpy(slot_buffer(cache, (guint)(ext & (cache->n_active - 1))), packet, len);
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
    slot = &cache->slots[ext & (cache->n_active - 1)];
    if (ext > cache->ext_highest || slot->ext_seq != ext)
        return -ENOENT;
    if (now_us - slot->stored_us > cache->max_age_us)
        return -ETIME;
    if (packet != NULL)
        *packet = slot_buffer(cache, (guint)(ext & (cache->n_active - 1)));
    if (len != NULL)
        *len = slot->len;
    return 0;
}
