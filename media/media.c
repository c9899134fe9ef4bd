/* media.c: the library-wide entry points declared in media.h that belong to no one component.
 *
 * Design: kept tiny on purpose. Each component (transport, rtp, router, gst) implements its own
 * part of the public header in its own folder; this file holds only what is the library's as a
 * whole, such as its version.
 */
#include "media.h"

#include "phonghop-build.h"

const char *media_version(void)
{
    return PHONGHOP_VERSION;
}
