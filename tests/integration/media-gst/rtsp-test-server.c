/* rtsp-test-server.c: a hall camera for the tests (Debian ships no RTSP server binary).
 *
 * Usage: rtsp-test-server PORT [baseline|high] [pcma|pcmu|aac|none]
 * Serves rtsp://127.0.0.1:PORT/cam: a 640x360 25 fps test pattern encoded by x264 with the given
 * profile (constrained baseline by default; "high" is what many cameras send and browsers must
 * not get), and a tone in G.711 A-law (PCMA, default) or mu-law (PCMU), both 8 kHz mono as
 * cameras send it, or AAC. Prints "ready" on stdout once listening.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

int main(int argc, char **argv)
{
    GMainLoop *loop;
    GstRTSPServer *server;
    GstRTSPMountPoints *mounts;
    GstRTSPMediaFactory *factory;
    const char *profile = argc > 2 ? argv[2] : "baseline";
    const char *audio = argc > 3 ? argv[3] : "pcma";
    g_autofree char *launch = NULL;
    const char *apart = "";

    gst_init(&argc, &argv);
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [baseline|high] [pcma|pcmu|aac|none]\n", argv[0]);
        return 2;
    }
    if (strcmp(audio, "pcma") == 0)
        apart = "audiotestsrc is-live=true freq=440 ! audio/x-raw,rate=8000,channels=1 ! alawenc "
                "! rtppcmapay name=pay1 pt=8";
    else if (strcmp(audio, "pcmu") == 0)
        apart = "audiotestsrc is-live=true freq=440 ! audio/x-raw,rate=8000,channels=1 ! mulawenc "
                "! rtppcmupay name=pay1 pt=0";
    else if (strcmp(audio, "aac") == 0)
        apart = "audiotestsrc is-live=true freq=440 ! audio/x-raw,rate=48000,channels=2 ! "
                "avenc_aac ! rtpmp4apay name=pay1 pt=97";
    launch = g_strdup_printf(
        "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,"
        "framerate=25/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 "
        "%s ! video/x-h264,profile=%s ! rtph264pay name=pay0 pt=96 config-interval=-1 %s )",
        strcmp(profile, "high") == 0 ? "bframes=2" : "",
        strcmp(profile, "high") == 0 ? "high" : "constrained-baseline", apart);

    loop = g_main_loop_new(NULL, FALSE);
    server = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server, "127.0.0.1");
    gst_rtsp_server_set_service(server, argv[1]);
    mounts = gst_rtsp_server_get_mount_points(server);
    factory = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_launch(factory, launch);
    gst_rtsp_media_factory_set_shared(factory, TRUE);
    gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
    g_object_unref(mounts);
    if (gst_rtsp_server_attach(server, NULL) == 0) {
        fprintf(stderr, "cannot listen on port %s\n", argv[1]);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    g_main_loop_run(loop);
    return 0;
}
