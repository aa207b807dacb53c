/* test-util.h: helpers shared by the GTest programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include "on-air-broadcast.h"
#include "on-air-server.h"

G_BEGIN_DECLS

#define TEST_TOKEN "test-token-0123456789abcdef"

/* Criticals stay fatal (G_DEBUG=fatal-criticals) but for one that
 * GStreamer's rtpsession gives on its own (test-util.c says which); call
 * right after g_test_init(). */
void        test_init_logging  (void);

typedef gboolean (*TestCondition) (gpointer data);

/* Iterates the default main context until @cond holds or @timeout_ms
 * passes; returns whether it held. */
gboolean    test_wait_until    (TestCondition cond, gpointer data, guint timeout_ms);
/* Iterates the default main context for @ms. */
void        test_spin          (guint ms);

typedef struct
{
  OnAirBroadcast *broadcast;
  OnAirServer    *server;
  char           *base;  /* http://127.0.0.1:PORT */
} TestServer;

/* A broadcast of @source served on 127.0.0.1, port 0; @token may be NULL. */
TestServer *test_server_new    (const char *source, const char *token, guint max_viewers);
void        test_server_free   (TestServer *ts);
char       *test_server_url    (TestServer *ts, const char *path_and_query);
gboolean    test_server_wait_live (TestServer *ts, guint timeout_ms);
/* Waits until @broadcast is in @state. */
gboolean    test_broadcast_wait_state (OnAirBroadcast *broadcast, OnAirSourceState state, guint timeout_ms);

typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
} TestResponse;

/* A real HTTP request through libsoup; the main loop runs meanwhile, so it
 * can talk to a server in this process. */
TestResponse *test_http        (const char *method,
                                const char *url,
                                const char *content_type,
                                const void *body,
                                gsize       body_length,
                                const char *bearer);
void          test_response_free (TestResponse *r);
gboolean      test_bytes_have_jpeg (GBytes *bytes);
/* The onair binary under test ($ONAIR_BIN, set by meson). */
const char   *test_onair_bin    (void);
/* The next line a child process prints on stdout (its stdout stays open). */
char         *test_read_line    (GSubprocess *proc);
/* Decodes @jpeg with GStreamer's jpegdec; returns FALSE if it does not. */
/* A TCP listener on 127.0.0.1 holding a free port (stored in @port):
 * the port is in use until the listener is unreffed. */
GSocketListener *test_hold_port (guint *port);
/* A port on 127.0.0.1 nothing listens on (it was free a moment ago). */
guint         test_closed_port  (void);

/* Elements made by @factory anywhere in @bin (refs), and how many. */
GPtrArray    *test_find_factory  (GstElement *bin, const char *factory);
guint         test_count_factory (GstElement *bin, const char *factory);
gboolean      test_decode_jpeg  (GBytes *jpeg, int *width, int *height);
/* An H.264 decoder and encoder description for gst_parse: libav and x264
 * where they are, else openh264 (GNOME's Flatpak runtime has only that). */
const char   *test_h264_decoder (void);
const char   *test_h264_encoder (void);

/* The colour in the middle of @jpeg's picture. */
gboolean      test_jpeg_color   (GBytes *jpeg, guint8 rgb[3]);
/* Whether @jpeg is On Air's slate (no source to show), by its colour. */
gboolean      test_jpeg_is_slate (GBytes *jpeg);
/* Whether @rgb is close to @argb's colour (JPEG and YUV round trips). */
gboolean      test_color_near   (const guint8 rgb[3], guint32 argb);
/* Elements made by @factory that are not inside an element made by
 * @outside (a fake camera's own encoder is not On Air's). */
guint         test_count_factory_outside (GstElement *bin, const char *factory, const char *outside);

/* Test-only webcams (tests/fakecam): plugging writes a file in a private
 * folder that the fake device provider watches; returns the source id. */
void          test_fakecam_setup    (void);
char         *test_fakecam_plug     (const char *id, const char *name, const char *kind, guint32 argb);
/* The same at a device node of the test's choosing. */
char         *test_fakecam_plug_at  (const char *id, const char *name, const char *kind, guint32 argb,
                                     const char *path);
/* A UVC camera with a microphone on the same USB device, whose sound is
 * a tone of @hz. */
char         *test_fakecam_plug_with_microphone (const char *id, const char *name, guint32 argb,
                                                 guint hz);
/* Waits until @monitor's camera list (On Air's: on_air_camera_list) has
 * the camera @id (or, with !@present, no longer has it). */
gboolean      test_wait_camera      (GstDeviceMonitor *monitor, const char *id, gboolean present,
                                     guint timeout_ms);
void          test_fakecam_unplug   (const char *id);
void          test_fakecam_teardown (void);

/* Decodes @jpeg and reads On Air's time stamp off it. */
gboolean      test_read_jpeg_stamp (GBytes *jpeg, guint32 *ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestResponse, test_response_free)

typedef struct _WhepViewer WhepViewer;

/* Signals @viewer over WHEP with the test token and checks the answer
 * (201, application/sdp, Location, candidates); returns the Location. */
char         *test_whep_connect    (TestServer *ts, WhepViewer *viewer);
/* Waits until @viewer has @n more frames than now. */
gboolean      test_whep_wait_frames (WhepViewer *viewer, guint64 n, guint timeout_ms);

G_END_DECLS

G_BEGIN_DECLS

/* An MJPEG viewer: reads multipart/x-mixed-replace with libsoup's own
 * multipart parser, keeping each part's body. */
typedef struct _MjpegReader MjpegReader;

MjpegReader *mjpeg_reader_new        (const char  *url);
guint        mjpeg_reader_get_frames (MjpegReader *reader);
/* The newest complete part, or NULL. */
GBytes      *mjpeg_reader_dup_last   (MjpegReader *reader);
const char  *mjpeg_reader_get_part_type (MjpegReader *reader);
guint        mjpeg_reader_get_status (MjpegReader *reader);
gboolean     mjpeg_reader_failed     (MjpegReader *reader);
/* Waits until @n more frames than now arrived. */
gboolean     mjpeg_reader_wait_frames (MjpegReader *reader, guint n, guint timeout_ms);
void         mjpeg_reader_free       (MjpegReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MjpegReader, mjpeg_reader_free)

G_END_DECLS
