/* gst-common.h: what the GStreamer pipelines of media/gst/ share (private to media/).
 *
 * The error domain of the pipelines, the codecs phonghop records, mixes and ingests, the segment
 * record a recorder or the composite hands back for every finished file, and small helpers: a
 * checked element factory, a bus watch on a given GMainContext and the SHA-256 of a file.
 *
 * Thread: mgst_init() may be called from any thread, any number of times. The helpers have no
 * state of their own; mgst_sha256_file() blocks on the disk and belongs on a worker thread.
 */
#pragma once

#include <glib.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define MGST_ERROR (mgst_error_quark())
GQuark mgst_error_quark(void);

typedef enum {
    MGST_ERROR_MISSING,   /* a GStreamer element is not installed (the message names its package) */
    MGST_ERROR_INVALID,   /* an argument the pipeline cannot use */
    MGST_ERROR_PIPELINE,  /* the pipeline reported an error (decoder, muxer, network, ...) */
    MGST_ERROR_DISK_FULL, /* no space left where files are written */
    MGST_ERROR_IO,        /* a file could not be written or read */
} MgstError;

typedef enum {
    MGST_KIND_AUDIO,
    MGST_KIND_VIDEO,
} MgstKind;

/* The codecs on the packet path (what browsers send and accept). */
typedef enum {
    MGST_CODEC_OPUS,
    MGST_CODEC_VP8,
    MGST_CODEC_H264,
    MGST_CODEC_PCMU,
    MGST_CODEC_PCMA,
} MgstCodec;

MgstKind mgst_codec_kind(MgstCodec codec);
/* The RTP encoding name ("OPUS", "VP8", "H264", ...) and the usual clock rate. */
const char *mgst_codec_encoding_name(MgstCodec codec);
guint mgst_codec_clock_rate(MgstCodec codec);
/* A lower-case name for logs and file names ("opus", "vp8", ...) (transfer none, static). */
const char *mgst_codec_to_string(MgstCodec codec);
const char *mgst_kind_to_string(MgstKind kind);

/* Initialises GStreamer once. Returns FALSE with MGST_ERROR_MISSING when it cannot be. */
gboolean mgst_init(GError **error);

/* gst_element_factory_make() that fails with a message naming the Debian package that ships
 * @factory. Transfer floating (the caller adds it to a bin or sinks it). */
GstElement *mgst_make(const char *factory, const char *name, GError **error);

/* Watches @bus on @context (not the global default context): @func runs on the thread that
 * iterates @context. Returns the attached source (transfer full: g_source_destroy() and
 * g_source_unref() it in the owner's destroy). */
GSource *mgst_bus_watch(GstBus *bus, GMainContext *context, GstBusFunc func, gpointer user_data);

/* The running time of @element's pipeline now, or GST_CLOCK_TIME_NONE when it has no clock. */
GstClockTime mgst_running_time(GstElement *element);

/* A pipeline that fails is rebuilt once; failing again within this many seconds of that
 * restart stops it for good, while a failure long after one (hours into a sitting) is a new
 * incident with its own restart. */
#define MGST_RESTART_WINDOW_S 60

/* Whether a bus error means the disk is full (filesink reports ENOSPC as NO_SPACE_LEFT). */
gboolean mgst_error_is_disk_full(const GError *error);

/* A finished (or, after a failure, cut short) file of a recording or of the composite's archive.
 * Times: running time of the pipeline that wrote it (the timestamps inside the file), and the
 * same instants on the wall clock (microseconds since 1970, g_get_real_time()). */
typedef struct {
    guint64 participant_id; /* the recorded participant; 0 for the composite program */
    const char *track;      /* the caller's track name ("audio", "video", "program") */
    MgstKind kind;          /* of the track; the program has both: MGST_KIND_VIDEO */
    const char *codec;      /* "vp8", "opus", "h264", "h264+aac" */
    const char *path;       /* absolute path of the file */
    guint index;            /* 0, 1, ...: the segment's place in the track's recording */
    GstClockTime start_rt;  /* running time of the first buffer written */
    GstClockTime end_rt;    /* running time at which the segment was closed */
    gint64 start_us;        /* wall clock */
    gint64 end_us;
    guint64 size;       /* bytes */
    const char *sha256; /* lower-case hex; NULL when the file could not be read */
    gboolean complete;  /* FALSE: cut short by an error, a kill or a full disk (still plays) */
} MgstSegment;

/* Reads the whole file and returns its SHA-256 as lower-case hex (transfer full), and its size.
 * Blocks on the disk: call it from a worker thread. */
char *mgst_sha256_file(const char *path, guint64 *size, GError **error);

G_END_DECLS
