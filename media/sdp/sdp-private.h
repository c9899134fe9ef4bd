/* sdp-private.h: what sdp.c, sdp-read.c and sdp-write.c share (private to media/sdp/).
 *
 * Tables and small text helpers, all pure: any thread.
 */
#pragma once

#include <glib.h>

#include "sdp/sdp.h"

G_BEGIN_DECLS

#define SDP_PROTO "UDP/TLS/RTP/SAVPF" /* RFC 5764 §8, JSEP §5.1.2 */

/* The URI of each SdpExt (RFC 8285 a=extmap). */
extern const char *const sdp_ext_uris[SDP_N_EXTS];

/* Whether media of @kind may carry @ext. */
gboolean sdp_ext_applies(SdpExt ext, SdpMediaKind kind);
const char *sdp_kind_to_string(SdpMediaKind kind);
/* "actpass", "active", "passive", or NULL for none. */
const char *sdp_setup_to_string(SdpSetup setup);

/* Copies @src into @dst (@size bytes) keeping printable ASCII and replacing the rest with "?",
 * so quoting client text in an error never yields broken UTF-8 or control characters.
 * Returns @dst. */
const char *sdp_sanitise(char *dst, gsize size, const char *src);
/* RFC 8866 §9 token-char, and a token of 1..@max of them. */
gboolean sdp_is_token_char(char c);
gboolean sdp_is_token(const char *s, gsize n, gsize max);
/* RFC 8851 §10 rid-id of at most SDP_MAX_ID_LEN bytes. */
gboolean sdp_is_rid_id(const char *s, gsize n);
/* A decimal number of at most @max at *@p, advancing *@p past it. */
gboolean sdp_read_uint(const char **p, guint64 max, guint64 *out);
/* All of @s is a decimal number of at most @max. */
gboolean sdp_parse_uint(const char *s, guint64 max, guint64 *out);
const char *sdp_skip_spaces(const char *s);
/* The length of the run of non-blank characters at @s. */
gsize sdp_word_len(const char *s);
/* A payload type that cannot be mistaken for RTCP with rtcp-mux (RFC 5761 §4: not 64-95). */
gboolean sdp_usable_pt(guint pt);

G_END_DECLS
