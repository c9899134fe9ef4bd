/* demux.c: classifying a datagram on a media socket (media_datagram_classify in media.h).
 *
 * Design: with ICE, DTLS and SRTP sharing one 5-tuple, RFC 7983 §7 tells the protocols apart by
 * the first octet: 0-3 STUN, 16-19 ZRTP, 20-63 DTLS, 64-79 TURN ChannelData, 128-191 RTP or RTCP.
 * With rtcp-mux, RFC 5761 §4 separates RTCP from RTP by the second octet: RTCP packet types
 * 192-223 (SR 200, RR 201, feedback 205/206, ...) are exactly the values an RTP marker bit plus
 * payload type 64-95 would produce, and those payload types are never used with rtcp-mux.
 * Besides the first octets, each kind must be long enough for its fixed header, and STUN must
 * carry the RFC 5389 §6 magic cookie and a length that matches the datagram, so a stray packet
 * is dropped here rather than handed to libnice, OpenSSL or libsrtp.
 */
#include "media.h"

#include "rtp/rtp-bytes.h"

#define STUN_HEADER_LEN   20
#define STUN_MAGIC_COOKIE 0x2112A442u
#define DTLS_RECORD_LEN   13 /* RFC 6347 §4.1 record header */
#define RTCP_MIN_LEN      8  /* header and sender SSRC */
#define RTP_MIN_LEN       12

static MediaDatagramKind classify_stun(const guint8 *data, gsize len)
{
    gsize body;

    if (len < STUN_HEADER_LEN || rtp_read_u32(data + 4) != STUN_MAGIC_COOKIE)
        return MEDIA_DATAGRAM_UNKNOWN;
    /* RFC 5389 §6: the length excludes the header and is a multiple of 4. */
    body = rtp_read_u16(data + 2);
    if (body % 4 != 0 || body != len - STUN_HEADER_LEN)
        return MEDIA_DATAGRAM_UNKNOWN;
    return MEDIA_DATAGRAM_STUN;
}

MediaDatagramKind media_datagram_classify(const guint8 *data, gsize len)
{
    guint8 b;

    if (data == NULL || len < 1)
        return MEDIA_DATAGRAM_UNKNOWN;
    b = data[0];
    if (b <= 3)
        return classify_stun(data, len);
    if (b >= 16 && b <= 19)
        return MEDIA_DATAGRAM_ZRTP;
    if (b >= 20 && b <= 63)
        return len >= DTLS_RECORD_LEN ? MEDIA_DATAGRAM_DTLS : MEDIA_DATAGRAM_UNKNOWN;
    if (b >= 64 && b <= 79)
        return len >= 4 ? MEDIA_DATAGRAM_TURN_CHANNEL : MEDIA_DATAGRAM_UNKNOWN;
    if (b >= 128 && b <= 191) {
        if (len < 2)
            return MEDIA_DATAGRAM_UNKNOWN;
        if (data[1] >= 192 && data[1] <= 223)
            return len >= RTCP_MIN_LEN ? MEDIA_DATAGRAM_RTCP : MEDIA_DATAGRAM_UNKNOWN;
        return len >= RTP_MIN_LEN ? MEDIA_DATAGRAM_RTP : MEDIA_DATAGRAM_UNKNOWN;
    }
    return MEDIA_DATAGRAM_UNKNOWN;
}

const char *media_datagram_kind_to_string(MediaDatagramKind kind)
{
    switch (kind) {
    case MEDIA_DATAGRAM_STUN:
        return "stun";
    case MEDIA_DATAGRAM_ZRTP:
        return "zrtp";
    case MEDIA_DATAGRAM_DTLS:
        return "dtls";
    case MEDIA_DATAGRAM_TURN_CHANNEL:
        return "turn-channel";
    case MEDIA_DATAGRAM_RTP:
        return "rtp";
    case MEDIA_DATAGRAM_RTCP:
        return "rtcp";
    case MEDIA_DATAGRAM_UNKNOWN:
        break;
    }
    return "unknown";
}
