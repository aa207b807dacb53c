/* test-outage.c: viewers stay when the camera goes. The camera stopped for
 * 5 and 30 s, a webcam pulled out and plugged back, the source switched:
 * every MJPEG and WebRTC viewer keeps its connection, gets the slate, and
 * gets the camera back without reconnecting.
 *
 * Times are logged for the record; the benchmark measures them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "fixtures/rtsp-fixture.h"
#include "on-air-slate.h"
#include "test-util.h"
#include "whep-client.h"

#define BLUE 0xff2060e0u

typedef struct
{
  TestServer  *ts;
  MjpegReader *mjpeg;
  WhepViewer  *webrtc[2];
  char        *location[2];
} Viewers;

static Viewers *
viewers_new (TestServer *ts)
{
  Viewers *v = g_new0 (Viewers, 1);
  g_autofree char *stream = g_strdup_printf ("%s/stream.mjpg?token=%s", ts->base, TEST_TOKEN);

  v->ts = ts;
  v->mjpeg = mjpeg_reader_new (stream);
  g_assert_true (mjpeg_reader_wait_frames (v->mjpeg, 5, 15000));
  for (guint i = 0; i < G_N_ELEMENTS (v->webrtc); i++)
    {
      v->webrtc[i] = whep_viewer_new ("H264", TRUE);
      v->location[i] = test_whep_connect (ts, v->webrtc[i]);
      g_assert_true (test_whep_wait_frames (v->webrtc[i], 5, 15000));
    }
  return v;
}

static void
viewers_free (Viewers *v)
{
  mjpeg_reader_free (v->mjpeg);
  for (guint i = 0; i < G_N_ELEMENTS (v->webrtc); i++)
    {
      whep_viewer_free (v->webrtc[i]);
      g_free (v->location[i]);
    }
  g_free (v);
}

/* Every viewer's newest picture is the slate (@slate) or not. */
typedef struct
{
  Viewers  *v;
  gboolean  slate;
} Showing;

static gboolean
mjpeg_showing (gpointer data)
{
  Showing *s = data;
  g_autoptr(GBytes) jpeg = mjpeg_reader_dup_last (s->v->mjpeg);

  return jpeg != NULL && test_jpeg_is_slate (jpeg) == s->slate;
}

static gboolean
webrtc_showing (gpointer data)
{
  Showing *s = data;

  for (guint i = 0; i < G_N_ELEMENTS (s->v->webrtc); i++)
    {
      guint8 rgb[3];

      if (!whep_viewer_get_corner (s->v->webrtc[i], rgb) ||
          test_color_near (rgb, ON_AIR_SLATE_ARGB) != s->slate)
        return FALSE;
    }
  return TRUE;
}

/* Waits until every viewer shows the slate (or no longer does), still on
 * its first connection; returns how long that took, in ms. */
static gint64
wait_all_showing (Viewers *v, gboolean slate, guint timeout_ms)
{
  Showing s = { v, slate };
  gint64 start = g_get_monotonic_time ();

  g_assert_true (test_wait_until (mjpeg_showing, &s, timeout_ms));
  g_assert_true (test_wait_until (webrtc_showing, &s, timeout_ms));
  g_assert_false (mjpeg_reader_failed (v->mjpeg));
  g_assert_cmpuint (mjpeg_reader_get_status (v->mjpeg), ==, 200);
  return (g_get_monotonic_time () - start) / 1000;
}

static JsonObject *
get_source_status (TestServer *ts, JsonParser *parser)
{
  g_autofree char *url = test_server_url (ts, "/api/status");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, TEST_TOKEN);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  return json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "source");
}

/* The RTSP camera goes for @seconds and comes back on the same address. */
static void
camera_outage (guint seconds)
{
  g_autoptr(GError) error = NULL;
  RtspFixture *camera = rtsp_fixture_new (NULL, NULL, &error);
  guint port = rtsp_fixture_get_port (camera);
  g_autofree char *url = rtsp_fixture_get_url (camera, FALSE);
  TestServer *ts = test_server_new (url, TEST_TOKEN, 10);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *source;
  Viewers *v;
  gint64 to_slate, to_picture;

  g_assert_true (test_server_wait_live (ts, 15000));
  v = viewers_new (ts);

  rtsp_fixture_free (camera);
  to_slate = wait_all_showing (v, TRUE, 10000);

  /* While the slate runs, the status says why and when the next try is. */
  source = get_source_status (ts, parser);
  g_assert_cmpstr (json_object_get_string_member (source, "state"), !=, "live");
  g_assert_nonnull (json_object_get_string_member (source, "error"));
  g_test_message ("slate: %s", json_object_get_string_member (source, "error"));

  test_spin (seconds * 1000);
  camera = rtsp_fixture_new_on_port (port, NULL, NULL, &error);
  g_assert_no_error (error);
  to_picture = wait_all_showing (v, FALSE, 40000);
  g_assert_true (test_server_wait_live (ts, 5000));
  g_test_message ("%u s outage: slate after %" G_GINT64_FORMAT " ms, camera %" G_GINT64_FORMAT
                  " ms after its return", seconds, to_slate, to_picture);
  /* The same sessions carry on. */
  for (guint i = 0; i < G_N_ELEMENTS (v->webrtc); i++)
    g_assert_true (test_whep_wait_frames (v->webrtc[i], 10, 5000));
  g_assert_true (mjpeg_reader_wait_frames (v->mjpeg, 10, 5000));

  viewers_free (v);
  test_server_free (ts);
  rtsp_fixture_free (camera);
}

static void
test_camera_gone_5s (void)
{
  camera_outage (5);
}

static void
test_camera_gone_30s (void)
{
  camera_outage (30);
}

/* A webcam pulled out, then plugged back in. */
static void
test_webcam_unplugged (void)
{
  g_autofree char *id = test_fakecam_plug ("outage", "Desk Camera", "uvc", BLUE);
  TestServer *ts = test_server_new (id, TEST_TOKEN, 10);
  Viewers *v;

  g_assert_true (test_server_wait_live (ts, 15000));
  v = viewers_new (ts);
  test_fakecam_unplug ("outage");
  wait_all_showing (v, TRUE, 10000);
  g_test_message ("unplugged: %s", on_air_broadcast_get_error_message (ts->broadcast));
  g_assert_nonnull (strstr (on_air_broadcast_get_error_message (ts->broadcast), "Desk Camera"));

  g_free (test_fakecam_plug ("outage", "Desk Camera", "uvc", BLUE));
  wait_all_showing (v, FALSE, 40000);
  g_assert_true (test_server_wait_live (ts, 5000));

  viewers_free (v);
  test_server_free (ts);
  test_fakecam_unplug ("outage");
}

/* The source switched while viewers watch: test pattern → webcam → RTSP
 * camera → test pattern, the same connections all along. */
static void
test_switch_sources (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = rtsp_fixture_new (NULL, NULL, &error);
  g_autofree char *rtsp = rtsp_fixture_get_url (camera, FALSE);
  g_autofree char *webcam = test_fakecam_plug ("switch", "Switch Camera", "uvc", BLUE);
  const char *sources[] = { webcam, rtsp, "test" };
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  Viewers *v;

  g_assert_true (test_server_wait_live (ts, 15000));
  v = viewers_new (ts);
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse (sources[i], &error);
      gint64 start = g_get_monotonic_time ();

      g_assert_no_error (error);
      on_air_broadcast_set_source (ts->broadcast, spec);
      g_assert_true (test_server_wait_live (ts, 15000));
      wait_all_showing (v, FALSE, 15000);
      g_test_message ("switched to %s: live after %" G_GINT64_FORMAT " ms",
                      on_air_broadcast_get_source_kind (ts->broadcast),
                      (g_get_monotonic_time () - start) / 1000);
      g_assert_true (mjpeg_reader_wait_frames (v->mjpeg, 5, 5000));
      for (guint j = 0; j < G_N_ELEMENTS (v->webrtc); j++)
        g_assert_true (test_whep_wait_frames (v->webrtc[j], 5, 5000));
    }

  viewers_free (v);
  test_server_free (ts);
  test_fakecam_unplug ("switch");
}

int
main (int argc, char *argv[])
{
  int status;

  test_fakecam_setup ();
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/outage/camera-gone-5s", test_camera_gone_5s);
  g_test_add_func ("/outage/webcam-unplugged", test_webcam_unplugged);
  g_test_add_func ("/outage/switch-sources", test_switch_sources);
  g_test_add_func ("/outage/camera-gone-30s", test_camera_gone_30s);
  status = g_test_run ();
  test_fakecam_teardown ();
  return status;
}
