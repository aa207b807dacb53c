/* test-rtsp.c: an H.264 IP camera (gst-rtsp-server fixture) as the source
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fixtures/rtsp-fixture.h"
#include "on-air-stamp.h"
#include "test-util.h"
#include "whep-client.h"

#define USER "admin"
#define PASSWORD "s3cret-Pa55"

static char *
get_status_text (TestServer *ts)
{
  g_autofree char *url = test_server_url (ts, "/api/status");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, TEST_TOKEN);

  g_assert_cmpuint (r->status, ==, 200);
  return g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
}

static void
test_passthrough (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = rtsp_fixture_new (USER, PASSWORD, &error);
  g_autofree char *camera_url = NULL;
  g_autofree char *status = NULL;
  g_autofree char *location = NULL;
  g_autofree char *stream = NULL;
  g_autoptr(WhepViewer) viewer = NULL;
  g_autoptr(MjpegReader) reader = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) jpeg = NULL;
  JsonObject *source;
  TestServer *ts;
  gint64 start;
  guint64 frames;
  int w = 0, h = 0;

  g_assert_no_error (error);
  camera_url = rtsp_fixture_get_url (camera, TRUE);
  g_assert_nonnull (strstr (camera_url, PASSWORD));
  ts = test_server_new (camera_url, TEST_TOKEN, 10);
  g_assert_true (test_server_wait_live (ts, 15000));

  /* Credentials never reach the API. */
  status = get_status_text (ts);
  g_assert_null (strstr (status, PASSWORD));
  g_assert_null (strstr (status, USER));
  g_assert_true (json_parser_load_from_data (parser, status, -1, NULL));
  source = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "source");
  g_assert_cmpstr (json_object_get_string_member (source, "kind"), ==, "rtsp");
  g_assert_true (json_object_get_boolean_member (source, "h264_passthrough"));
  g_assert_cmpstr (json_object_get_string_member (source, "description"), ==,
                   rtsp_fixture_get_url (camera, FALSE) /* leaked in test only */);

  /* WebRTC takes the camera's H.264 untouched: no encoder at all. */
  viewer = whep_viewer_new ("H264", TRUE);
  location = test_whep_connect (ts, viewer);
  g_assert_true (test_whep_wait_frames (viewer, 10, 15000));
  g_assert_true (whep_viewer_get_size (viewer, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);

  /* The camera's frame rate reaches the viewer (decoded frames over 3 s). */
  frames = whep_viewer_get_frames (viewer);
  start = g_get_monotonic_time ();
  test_spin (3000);
  {
    double fps = (whep_viewer_get_frames (viewer) - frames) * (double) G_USEC_PER_SEC /
                 (g_get_monotonic_time () - start);
    g_test_message ("WebRTC pass-through: %.1f fps decoded", fps);
    g_assert_cmpfloat (fps, >, 25.0);
  }

  /* MJPEG viewers get JPEGs decoded from the camera's H.264. */
  stream = g_strdup_printf ("%s/stream.mjpg?token=%s", ts->base, TEST_TOKEN);
  reader = mjpeg_reader_new (stream);
  g_assert_true (mjpeg_reader_wait_frames (reader, 10, 15000));
  frames = mjpeg_reader_get_frames (reader);
  start = g_get_monotonic_time ();
  g_assert_true (mjpeg_reader_wait_frames (reader, 60, 5000));
  {
    double fps = (mjpeg_reader_get_frames (reader) - frames) * (double) G_USEC_PER_SEC /
                 (g_get_monotonic_time () - start);
    g_test_message ("MJPEG from RTSP: %.1f fps", fps);
    g_assert_cmpfloat (fps, >, 25.0);
  }
  jpeg = mjpeg_reader_dup_last (reader);
  g_assert_true (test_decode_jpeg (jpeg, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  /* Still no video encoder: JPEG is an image encoder, H.264 passes. */
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);
  /* And WebRTC kept playing meanwhile. */
  g_assert_true (test_whep_wait_frames (viewer, 30, 5000));

  test_server_free (ts);
}

static void
test_unreachable (void)
{
  g_autofree char *url = g_strdup_printf ("rtsp://" USER ":" PASSWORD "@127.0.0.1:%u/cam", test_closed_port ());
  TestServer *ts = test_server_new (url, TEST_TOKEN, 10);
  g_autofree char *status = NULL;
  g_autofree char *snapshot = NULL;
  g_autoptr(TestResponse) r = NULL;
  const char *message;

  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 15000));
  message = on_air_broadcast_get_error_message (ts->broadcast);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "does not answer"));
  g_assert_nonnull (strstr (message, "rtsp://127.0.0.1:"));
  g_assert_null (strstr (message, PASSWORD));
  g_assert_cmpuint (on_air_broadcast_get_retry_seconds (ts->broadcast), >, 0);

  /* The server keeps answering. */
  status = get_status_text (ts);
  g_assert_nonnull (strstr (status, "\"state\":\"failed\""));
  g_assert_null (strstr (status, PASSWORD));
  /* Viewers get the slate meanwhile. */
  snapshot = test_server_url (ts, "/snapshot.jpg");
  r = test_http ("GET", snapshot, NULL, NULL, 0, TEST_TOKEN);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (test_jpeg_is_slate (r->body));

  test_server_free (ts);
}

/* An address that answers, but not in RTSP (here: On Air's own HTTP
 * port): a message that says so; the server answers on. */
static void
test_not_rtsp (void)
{
  TestServer *web = test_server_new ("test", TEST_TOKEN, 10);
  g_autofree char *url = g_strdup_printf ("rtsp://127.0.0.1:%u/cam", on_air_server_get_port (web->server));
  TestServer *ts = test_server_new (url, TEST_TOKEN, 10);
  g_autofree char *status = NULL;
  const char *message;

  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 20000));
  message = on_air_broadcast_get_error_message (ts->broadcast);
  g_test_message ("not RTSP: %s", message);
  g_assert_nonnull (strstr (message, "rtsp://127.0.0.1:"));
  status = get_status_text (ts);
  g_assert_nonnull (strstr (status, "\"kind\":\"rtsp\""));
  test_server_free (ts);
  test_server_free (web);
}

static void
test_wrong_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = rtsp_fixture_new (USER, PASSWORD, &error);
  g_autofree char *url = g_strdup_printf ("rtsp://" USER ":wrong-guess@127.0.0.1:%u/cam",
                                          rtsp_fixture_get_port (camera));
  TestServer *ts = test_server_new (url, TEST_TOKEN, 10);
  const char *message;

  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 15000));
  message = on_air_broadcast_get_error_message (ts->broadcast);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "refused the user name or password"));
  g_assert_null (strstr (message, "wrong-guess"));
  test_server_free (ts);
}

/* An IP camera sends a keyframe every few seconds. A decoder started in
 * between (the first MJPEG viewer, a snapshot, the preview) is primed with
 * the GOP so far: its first picture is the camera's latest, at once, not
 * the one after the next keyframe. */
static void
test_decoder_starts_mid_gop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = NULL;
  g_autoptr(TestResponse) r = NULL;
  g_autofree char *camera_url = NULL;
  g_autofree char *snapshot = NULL;
  g_autofree char *launch = NULL;
  TestServer *ts;
  gint64 asked;
  double waited_ms;
  guint32 stamp, age;
  int w = 0, h = 0;

  /* A keyframe every 10 s, the first one when the stream starts. */
  launch = rtsp_fixture_launch (300);
  g_setenv ("RTSP_FIXTURE_LAUNCH", launch, TRUE);
  camera = rtsp_fixture_new (NULL, NULL, &error);
  g_unsetenv ("RTSP_FIXTURE_LAUNCH");
  g_assert_no_error (error);
  camera_url = rtsp_fixture_get_url (camera, FALSE);
  ts = test_server_new (camera_url, TEST_TOKEN, 10);
  g_assert_true (test_server_wait_live (ts, 15000));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);

  /* Two seconds into the GOP, nothing decoding yet. */
  test_spin (2000);
  snapshot = test_server_url (ts, "/snapshot.jpg");
  asked = g_get_monotonic_time ();
  r = test_http ("GET", snapshot, NULL, NULL, 0, TEST_TOKEN);
  waited_ms = (g_get_monotonic_time () - asked) / 1000.0;
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (test_decode_jpeg (r->body, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  g_assert_true (test_read_jpeg_stamp (r->body, &stamp));
  age = on_air_stamp_now () - stamp;
  g_test_message ("mid-GOP snapshot after %.0f ms, picture %u ms old", waited_ms, age);
  /* Without priming: about 8 s, until the camera's next keyframe. */
  g_assert_cmpfloat (waited_ms, <, 3000);
  /* The picture is the camera's latest, not the GOP's first. */
  g_assert_cmpuint (age, <, 1000);

  test_server_free (ts);
}

static gboolean
not_live (gpointer data)
{
  return on_air_broadcast_get_state (data) != ON_AIR_SOURCE_STATE_LIVE;
}

static void
test_frozen_camera (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = rtsp_fixture_new (NULL, NULL, &error);
  g_autofree char *url = rtsp_fixture_get_url (camera, FALSE);
  TestServer *ts = test_server_new (url, TEST_TOKEN, 10);
  gint64 start;

  g_assert_true (test_server_wait_live (ts, 15000));
  test_spin (1500);

  /* The session stays up but no picture comes: a watchdog notices. */
  rtsp_fixture_set_stalled (camera, TRUE);
  start = g_get_monotonic_time ();
  /* It is tried again at once: reconnecting, and still saying why. */
  g_assert_true (test_wait_until (not_live, ts->broadcast, 15000));
  g_test_message ("frozen camera noticed after %" G_GINT64_FORMAT " ms: %s",
                  (g_get_monotonic_time () - start) / 1000,
                  on_air_broadcast_get_error_message (ts->broadcast));
  g_assert_nonnull (strstr (on_air_broadcast_get_error_message (ts->broadcast), "stopped sending video"));

  /* Unfrozen, the retry brings it back. */
  rtsp_fixture_set_stalled (camera, FALSE);
  g_assert_true (test_server_wait_live (ts, 20000));
  test_server_free (ts);
}

static void
count_preview (OnAirBroadcast *broadcast, GstSample *sample, gpointer user_data)
{
  guint *count = user_data;
  (*count)++;
}

typedef struct
{
  guint *count;
  guint  target;
} CountAtLeast;

static gboolean
count_reached (gpointer data)
{
  CountAtLeast *c = data;
  return *c->count >= c->target;
}

static gboolean
wait_previews (guint *count, guint n, guint timeout_ms)
{
  CountAtLeast c = { count, *count + n };
  return test_wait_until (count_reached, &c, timeout_ms);
}

/* Outputs asked for before the camera has said what it sends (the window's
 * preview is asked for before start; an MJPEG viewer may connect before
 * the RTSP stream arrives) get frames as soon as there are any. */
static void
test_outputs_before_stream (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = rtsp_fixture_new (NULL, NULL, &error);
  g_autofree char *url = rtsp_fixture_get_url (camera, FALSE);
  g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse (url, &error);
  g_autoptr(OnAirBroadcast) broadcast = on_air_broadcast_new (spec);
  g_autoptr(OnAirServer) server = on_air_server_new (broadcast);
  g_autoptr(MjpegReader) reader = NULL;
  g_autofree char *stream = NULL;
  guint previews = 0;

  g_assert_no_error (error);
  g_signal_connect (broadcast, "preview-frame", G_CALLBACK (count_preview), &previews);
  /* The preview before start, as the window asks for it. */
  on_air_broadcast_acquire_preview (broadcast, 640, 360);
  on_air_server_set_token (server, TEST_TOKEN);
  on_air_server_listen (server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  g_assert_true (on_air_broadcast_start (broadcast, &error));
  g_assert_no_error (error);

  /* An MJPEG viewer before the stream has arrived. */
  g_assert_cmpint (on_air_broadcast_get_state (broadcast), ==, ON_AIR_SOURCE_STATE_STARTING);
  stream = g_strdup_printf ("http://127.0.0.1:%u/stream.mjpg?token=%s",
                            on_air_server_get_port (server), TEST_TOKEN);
  reader = mjpeg_reader_new (stream);

  g_assert_true (wait_previews (&previews, 10, 15000));
  g_assert_true (mjpeg_reader_wait_frames (reader, 10, 15000));

  g_clear_pointer (&reader, mjpeg_reader_free);
  on_air_broadcast_release_preview (broadcast);
  on_air_server_stop (server);
  on_air_broadcast_stop (broadcast);
}

/* The camera leaves and comes back: the preview asked for once keeps
 * showing it, and MJPEG viewers get its frames again. */
static void
test_outputs_across_reconnect (void)
{
  g_autoptr(GError) error = NULL;
  RtspFixture *camera = rtsp_fixture_new (NULL, NULL, &error);
  guint port = rtsp_fixture_get_port (camera);
  g_autofree char *url = rtsp_fixture_get_url (camera, FALSE);
  TestServer *ts;
  g_autofree char *stream = NULL;
  g_autoptr(MjpegReader) reader = NULL;
  guint previews = 0;

  g_assert_no_error (error);
  ts = test_server_new (url, TEST_TOKEN, 10);
  g_signal_connect (ts->broadcast, "preview-frame", G_CALLBACK (count_preview), &previews);
  on_air_broadcast_acquire_preview (ts->broadcast, 640, 360);
  stream = g_strdup_printf ("%s/stream.mjpg?token=%s", ts->base, TEST_TOKEN);
  g_assert_true (wait_previews (&previews, 10, 15000));

  rtsp_fixture_free (camera);
  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 20000));
  camera = rtsp_fixture_new_on_port (port, NULL, NULL, &error);
  g_assert_no_error (error);

  /* A viewer that comes during the reconnect, before the stream is back. */
  g_assert_true (test_wait_until ((TestCondition) on_air_broadcast_is_running, ts->broadcast, 20000));
  reader = mjpeg_reader_new (stream);
  g_assert_true (test_server_wait_live (ts, 20000));
  g_assert_true (wait_previews (&previews, 10, 15000));
  g_assert_true (mjpeg_reader_wait_frames (reader, 10, 15000));

  g_clear_pointer (&reader, mjpeg_reader_free);
  on_air_broadcast_release_preview (ts->broadcast);
  test_server_free (ts);
  rtsp_fixture_free (camera);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/rtsp/passthrough", test_passthrough);
  g_test_add_func ("/rtsp/unreachable", test_unreachable);
  g_test_add_func ("/rtsp/wrong-password", test_wrong_password);
  g_test_add_func ("/rtsp/not-rtsp", test_not_rtsp);
  g_test_add_func ("/rtsp/frozen-camera", test_frozen_camera);
  g_test_add_func ("/rtsp/decoder-starts-mid-gop", test_decoder_starts_mid_gop);
  g_test_add_func ("/rtsp/outputs-before-stream", test_outputs_before_stream);
  g_test_add_func ("/rtsp/outputs-across-reconnect", test_outputs_across_reconnect);
  return g_test_run ();
}
