#!/usr/bin/env python3
"""Writes the seed corpora of the media fuzz targets (tests/fuzz/corpus/<target>/).

The seeds are small, valid or deliberately broken packets that reach every branch of the
readers quickly. Run it again after changing it; inputs that once crashed a target are added
to the corpus directories by hand (named crash-<what>) and are never regenerated or removed.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def rtp(pt=96, seq=1, ts=0, ssrc=0x11223344, marker=False, csrcs=(), ext=None, payload=b"",
        padding=0):
    b0 = 0x80 | (0x20 if padding else 0) | (0x10 if ext is not None else 0) | len(csrcs)
    out = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    for c in csrcs:
        out += struct.pack("!I", c)
    if ext is not None:
        profile, data = ext
        data += b"\0" * (-len(data) % 4)
        out += struct.pack("!HH", profile, len(data) // 4) + data
    out += payload
    if padding:
        out += b"\0" * (padding - 1) + bytes([padding])
    return out


def rtcp(pt, count, body, padding=0):
    body += b"\0" * (-len(body) % 4)
    if padding:
        body += b"\0" * (padding - 1) + bytes([padding])
    return struct.pack("!BBH", 0x80 | (0x20 if padding else 0) | count, pt,
                       (len(body) + 4) // 4 - 1) + body


def report_block(ssrc, lost=0, highest=0):
    return struct.pack("!IB", ssrc, 10) + (lost & 0xFFFFFF).to_bytes(3, "big") + \
        struct.pack("!IIII", highest, 5, 0xAABBCCDD, 65536)


def stun(msg_type, attrs=b"", cookie=0x2112A442, length=None):
    if length is None:
        length = len(attrs)
    return struct.pack("!HHI", msg_type, length, cookie) + b"\x01" * 12 + attrs


def stun_attr(t, value):
    return struct.pack("!HH", t, len(value)) + value + b"\0" * (-len(value) % 4)


VP8_KEY = bytes([0x10, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01])
VP8_FULL = bytes([0x90, 0xF0, 0x92, 0x34, 0x56, 0xA5, 0x01, 0x00, 0x00])
ONE_BYTE = (0xBEDE, bytes([0x10, 0x85, 0x00, 0x31, 0x07, 0x08]))
TWO_BYTE = (0x1000, bytes([0x01, 0x00, 0x00, 0x20, 0x03, 0xA1, 0xA2, 0xA3, 0xFF, 0x01, 0xB1]))


def rec(op, data=b""):
    """One record of the room target: [op][length][data]."""
    assert len(data) < 256
    return bytes([op, len(data)]) + data


def rid_ext(mid, rid):
    """One-byte extensions mid (id 3) and rid (id 4), as the room target's publisher uses."""
    return (0xBEDE, bytes([0x30 | (len(mid) - 1)]) + mid + bytes([0x40 | (len(rid) - 1)]) + rid)


CORPUS = {
    "rtp": {
        "minimal": rtp(),
        "empty": b"",
        "audio-level": rtp(pt=111, ext=(0xBEDE, bytes([0x10, 0x85])), payload=b"\xfc\xff"),
        "one-byte-ext-csrc-padding": rtp(csrcs=(1, 2), ext=ONE_BYTE, payload=b"payl", padding=3),
        "two-byte-ext": rtp(ext=TWO_BYTE, payload=b"\x55"),
        "ext-id15-stops": rtp(ext=(0xBEDE, bytes([0x10, 0xAA, 0xF0, 0x20, 0xBB]))),
        "ext-overrun": rtp(ext=(0xBEDE, bytes([0x10, 0xAA, 0x23, 0xBB])), payload=b"xyz"),
        "vp8-keyframe": rtp(marker=True, payload=VP8_KEY),
        "vp8-full-descriptor": rtp(payload=VP8_FULL),
        "h264-stap-a-sps-pps": rtp(pt=102, payload=bytes(
            [0x78, 0x00, 0x03, 0x67, 0x42, 0xC0, 0x00, 0x02, 0x68, 0xCE])),
        "h264-fu-a-idr-start": rtp(pt=102, payload=bytes([0x7C, 0x85, 0xB8, 0x00])),
        "bad-padding": rtp(payload=b"ab", padding=1)[:-1] + b"\x09",
        "truncated-csrc": rtp(csrcs=(1, 2, 3))[:20],
        "seq-wrap": rtp(seq=0xFFFF, ts=0xFFFFFFFF, payload=b"\x00" * 40),
    },
    "rtcp": {
        "sr-sdes-bye": rtcp(200, 1, struct.pack("!IQIII", 0x5555, 0xE8F0A1B2C3D4E5F6, 1, 2, 3)
                            + report_block(0xA1, lost=-3, highest=0x1FFFE))
        + rtcp(202, 1, struct.pack("!I", 0x5555) + b"\x01\x05cname\x00")
        + rtcp(203, 1, struct.pack("!I", 0x5555) + b"\x04gone"),
        "rr-two-blocks": rtcp(201, 2, struct.pack("!I", 9) + report_block(1) + report_block(2)),
        "nack": rtcp(205, 1, struct.pack("!IIHHHH", 1, 2, 100, 0x8011, 65535, 0x0001)),
        "pli": rtcp(206, 1, struct.pack("!II", 1, 2)),
        "fir": rtcp(206, 4, struct.pack("!IIIB3x", 1, 0, 3, 42)),
        "remb": rtcp(206, 15, struct.pack("!II", 1, 0) + b"REMB" + bytes([2, 0x0B, 0xFF, 0xFF])
                     + struct.pack("!II", 0xAAAA, 0xBBBB)),
        "twcc-vector": rtcp(205, 15, struct.pack("!IIHH", 1, 2, 100, 5) + b"\xff\xff\xfe\x03"
                            + b"\xd8\x50" + b"\x04\xff\xf8\x01\x02"),
        "twcc-run-length": rtcp(205, 15, struct.pack("!IIHH", 1, 2, 65534, 23) + b"\x00\x00\x00\x00"
                                + b"\x20\x14\xa8\x00" + bytes(range(1, 23))),
        "sdes-two-chunks": rtcp(202, 2, struct.pack("!I", 1) + b"\x01\x02ab\x07\x01x\x00"
                                + struct.pack("!I", 2) + b"\x01\x04cdef\x00\x00"),
        "padded-last": rtcp(201, 0, struct.pack("!I", 9), padding=4),
        "padded-first": rtcp(201, 0, struct.pack("!I", 9), padding=4) + rtcp(201, 0, b"\0\0\0\x08"),
        "length-past-end": bytes([0x80, 201, 0, 9, 0, 0, 0, 1]),
        "truncated-header": bytes([0x80, 201, 0]),
        "empty": b"",
    },
    "room": {
        "audio-then-tick": rec(0, rtp(pt=111, ext=(0xBEDE, bytes([0x10, 0x20])), payload=b"\xfc" * 20))
        + rec(4, b"\x0a") + rec(0, rtp(pt=111, seq=2, ext=(0xBEDE, bytes([0x10, 0x20])),
                                         payload=b"\xfc" * 20)) + rec(4, b"\x64"),
        "simulcast-keyframes": rec(0, rtp(ssrc=0xA1, ext=rid_ext(b"v", b"q"), marker=True,
                                          payload=VP8_KEY))
        + rec(0, rtp(ssrc=0xB2, ext=rid_ext(b"v", b"h"), marker=True, payload=VP8_KEY))
        + rec(0, rtp(ssrc=0xA1, seq=2, ext=rid_ext(b"v", b"q"), payload=VP8_FULL))
        + rec(4, b"\x40") + rec(7, b"\x00\x14\x0b") + rec(4, b"\x40"),
        "nack-pli-remb": rec(0, rtp(ssrc=0xA1, ext=rid_ext(b"v", b"q"), marker=True,
                                    payload=VP8_KEY))
        + rec(1, rtcp(205, 1, struct.pack("!IIHH", 9, 0x202, 0, 0xFFFF)))
        + rec(1, rtcp(206, 1, struct.pack("!II", 9, 0x202)))
        + rec(1, rtcp(206, 15, struct.pack("!II", 9, 0) + b"REMB" + bytes([1, 0x3F, 0xFF, 0xFF])
                      + struct.pack("!I", 0x202))),
        "floor-and-mutes": rec(5, b"\x00\x00") + rec(0, rtp(pt=111, payload=b"\x01" * 10))
        + rec(5, b"\x01\x01") + rec(6, b"\x00\x00\x01") + rec(0, rtp(pt=111, seq=2))
        + rec(6, b"\x00\x01\x01") + rec(6, b"\x00\x01\x00"),
        "sender-report": rec(2, rtcp(200, 0, struct.pack("!IQIII", 0x11223344, 1 << 40, 5, 1, 2)))
        + rec(0, rtp(pt=111, payload=b"x" * 8)) + rec(4, b"\xff"),
        "h264-by-payload-type": rec(0, rtp(pt=102, ssrc=0xC3, payload=bytes(
            [0x78, 0x00, 0x03, 0x67, 0x42, 0xC0, 0x00, 0x02, 0x68, 0xCE]))),
        "empty": b"",
    },
    "demux": {
        "stun-binding-request": stun(0x0001, stun_attr(0x0006, b"ab:cd")
                                     + stun_attr(0x8029, b"\0" * 8)
                                     + stun_attr(0x0008, b"\0" * 20)
                                     + stun_attr(0x8028, b"\0" * 4)),
        "stun-bare": stun(0x0101),
        "stun-bad-cookie": stun(0x0001, cookie=0x12345678),
        "stun-length-mismatch": stun(0x0001, length=8),
        "dtls-client-hello": bytes([22, 0xFE, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12])
        + bytes([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        "rtp": rtp(payload=b"\x00" * 20),
        "rtcp-rr": rtcp(201, 0, struct.pack("!I", 7)),
        "rtp-pt-72-is-rtcp-range": rtp(pt=72),
        "turn-channel": bytes([0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]),
        "zrtp": bytes([0x10]) + b"\0" * 11,
        "one-byte": b"\x80",
        "junk": b"\xff" * 16,
        "empty": b"",
    },
}


def main():
    for target, seeds in CORPUS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
