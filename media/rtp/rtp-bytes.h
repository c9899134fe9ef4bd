/* rtp-bytes.h: big-endian field access for the wire-format readers and writers of media/.
 *
 * Private to media/. Every caller has already checked that the bytes it touches lie inside its
 * buffer; these helpers only assemble and split network-order integers, so no reader ever casts a
 * buffer to a struct (alignment and padding would make that undefined and non-portable).
 */
#pragma once

#include <glib.h>

static inline guint16 rtp_read_u16(const guint8 *p)
{
    return (guint16)((guint16)p[0] << 8 | p[1]);
}

static inline guint32 rtp_read_u24(const guint8 *p)
{
    return (guint32)p[0] << 16 | (guint32)p[1] << 8 | p[2];
}

static inline guint32 rtp_read_u32(const guint8 *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static inline guint64 rtp_read_u64(const guint8 *p)
{
    return (guint64)rtp_read_u32(p) << 32 | rtp_read_u32(p + 4);
}

static inline void rtp_write_u16(guint8 *p, guint16 v)
{
    p[0] = (guint8)(v >> 8);
    p[1] = (guint8)v;
}

static inline void rtp_write_u24(guint8 *p, guint32 v)
{
    p[0] = (guint8)(v >> 16);
    p[1] = (guint8)(v >> 8);
    p[2] = (guint8)v;
}

static inline void rtp_write_u32(guint8 *p, guint32 v)
{
    p[0] = (guint8)(v >> 24);
    p[1] = (guint8)(v >> 16);
    p[2] = (guint8)(v >> 8);
    p[3] = (guint8)v;
}

static inline void rtp_write_u64(guint8 *p, guint64 v)
{
    rtp_write_u32(p, (guint32)(v >> 32));
    rtp_write_u32(p + 4, (guint32)v);
}
