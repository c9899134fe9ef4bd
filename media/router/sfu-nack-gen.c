/* sfu-nack-gen.c: the packets missing from one incoming stream (sfu-nack-gen.h).
 *
 * Design: the entries are a small array kept in sequence order (gaps are found in order, so
 * appending keeps it sorted); a packet in order with nothing missing touches only `highest`,
 * which is the common case on the packet path. Removal and collection compact the array in
 * place. At most SFU_NACK_GEN_MAX entries: when more go missing at once the gap is not worth
 * repairing packet by packet.
 */
#include "router/sfu-nack-gen.h"

#include <string.h>

void sfu_nack_gen_init(SfuNackGen *gen)
{
    memset(gen, 0, sizeof(*gen));
}

static void remove_at(SfuNackGen *gen, guint i)
{
    memmove(&gen->entries[i], &gen->entries[i + 1], (gen->n - i - 1) * sizeof(gen->entries[0]));
    gen->n--;
}

int sfu_nack_gen_on_packet(SfuNackGen *gen, guint16 seq, gint64 now_us)
{
    gint diff;
    guint16 s;
    guint i;

    if (!gen->started) {
        gen->started = TRUE;
        gen->highest = seq;
        return 0;
    }
    diff = (gint16)(guint16)(seq - gen->highest);
    if (diff == 0)
        return 0;
    if (diff < 0) {
        if (-diff >= SFU_NACK_GEN_RESET) { /* the sender restarted its numbering */
            gen->n = 0;
            gen->highest = seq;
            return 0;
        }
        for (i = 0; i < gen->n; i++) {
            if (gen->entries[i].seq == seq) {
                remove_at(gen, i);
                gen->recovered++;
                break;
            }
        }
        return 0;
    }
    if (diff - 1 > SFU_NACK_GEN_MAX) {
        gen->given_up += gen->n;
        gen->n = 0;
        gen->highest = seq;
        return diff >= SFU_NACK_GEN_RESET ? 0 : -1;
    }
    /* Room for the new gap: the oldest entries make way. */
    while (gen->n > 0 && gen->n + (guint)(diff - 1) > SFU_NACK_GEN_MAX) {
        remove_at(gen, 0);
        gen->given_up++;
    }
    for (s = (guint16)(gen->highest + 1); s != seq; s++) {
        SfuNackGenEntry *e = &gen->entries[gen->n++];

        e->seq = s;
        e->tries = 0;
        e->first_us = now_us;
        e->sent_us = 0;
    }
    gen->highest = seq;
    return diff - 1;
}

gsize sfu_nack_gen_collect(SfuNackGen *gen, gint64 now_us, gint64 retry_us, guint16 *seqs,
                           gsize max)
{
    gsize n = 0;
    guint i, kept = 0;

    for (i = 0; i < gen->n; i++) {
        SfuNackGenEntry e = gen->entries[i];

        if (now_us - e.first_us > SFU_NACK_GEN_MAX_AGE_US ||
            (e.tries >= SFU_NACK_GEN_TRIES && now_us - e.sent_us >= retry_us)) {
            gen->given_up++;
            continue;
        }
        if (n < max && e.tries < SFU_NACK_GEN_TRIES &&
            (e.sent_us == 0 || now_us - e.sent_us >= retry_us)) {
            seqs[n++] = e.seq;
            e.tries++;
            e.sent_us = now_us;
        }
        gen->entries[kept++] = e;
    }
    gen->n = kept;
    return n;
}
