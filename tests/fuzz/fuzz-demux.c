/* fuzz-demux.c: libFuzzer target for the first-byte demultiplexer of a media socket
 * (RFC 7983): STUN, DTLS, RTP, RTCP, TURN channels. Checks that each verdict is one the packet's
 * own header supports, and hands RTP and RTCP on to their readers as the socket code will. */
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "media.h"
#include "rtp/rtcp.h"
#include "rtp/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MediaDatagramKind kind = media_datagram_classify(data, size);
    guint8 *buf;
    RtpPacket pkt;

    CHECK(media_datagram_kind_to_string(kind) != NULL);
    switch (kind) {
    case MEDIA_DATAGRAM_STUN:
        /* RFC 5389 §6: header, cookie, a length that covers the rest in 4-byte units. */
        CHECK(size >= 20 && data[0] <= 3 && (size - 20) % 4 == 0);
        CHECK(((gsize)data[2] << 8 | data[3]) == size - 20);
        break;
    case MEDIA_DATAGRAM_DTLS:
        CHECK(size >= 13 && data[0] >= 20 && data[0] <= 63);
        break;
    case MEDIA_DATAGRAM_RTP:
        CHECK(size >= 12 && (data[0] >> 6) == 2);
        buf = g_memdup2(data, size);
        (void)rtp_packet_parse(&pkt, buf, size);
        g_free(buf);
        break;
    case MEDIA_DATAGRAM_RTCP:
        CHECK(size >= 8 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223);
        (void)rtcp_compound_validate(data, size);
        break;
    case MEDIA_DATAGRAM_ZRTP:
    case MEDIA_DATAGRAM_TURN_CHANNEL:
        CHECK(size >= 1);
        break;
    case MEDIA_DATAGRAM_UNKNOWN:
        break;
    }
    return 0;
}
