/* fuzz-camera-url.c: target for the hall camera URL check (media/media-camera.c), which reads
 * what an administrator typed (PATCH /api/v1/bodies/{id}/sites/{id}).
 *
 * Each input is taken as a URL. Invariants: a URL that is accepted is printable ASCII without
 * spaces, at most MEDIA_CAMERA_URL_MAX bytes, starts with one of the three schemes, and its
 * display form is accepted too, has no '@' before its path (no credentials) and is no longer;
 * a refused one has a message that never contains the part after the last ':' before an '@'
 * (the password). Replay only (the target links the GStreamer half of the media library). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)  \
    do {             \
        if (!(cond)) \
            abort(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *url = g_strndup((const char *)data, size);
    g_autoptr(GError) error = NULL;

    if (!media_camera_check_url(url, &error)) {
        CHECK(error != NULL && error->message != NULL);
        CHECK(media_camera_dup_display_url(url) == NULL);
        const char *at = strchr(url, '@');
        const char *colon = at ? g_strrstr_len(url, at - url, ":") : NULL;
        if (colon != NULL && at - colon > 6) {
            g_autofree char *password = g_strndup(colon + 1, at - colon - 1);
            CHECK(strstr(error->message, password) == NULL);
        }
        return 0;
    }
    CHECK(error == NULL);
    gsize len = strlen(url);
    CHECK(len <= MEDIA_CAMERA_URL_MAX);
    for (gsize i = 0; i < len; i++)
        CHECK((guchar)url[i] > 0x20 && (guchar)url[i] < 0x7f);
    CHECK(g_ascii_strncasecmp(url, "rtsp://", 7) == 0 ||
          g_ascii_strncasecmp(url, "rtsps://", 8) == 0 ||
          g_ascii_strncasecmp(url, "rtspt://", 8) == 0);
    g_autofree char *shown = media_camera_dup_display_url(url);
    CHECK(shown != NULL && strlen(shown) <= len);
    CHECK(media_camera_check_url(shown, NULL));
    const char *rest = strstr(shown, "://") + 3;
    CHECK(memchr(rest, '@', strcspn(rest, "/?#")) == NULL);
    return 0;
}
