/* test-webcam.c: USB webcams, as the test-only device provider presents
 * them (tests/fakecam): JPEG and raw cameras, a broken and a busy one,
 * plugged and unplugged while On Air runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include <gst/app/gstappsink.h>

#include "on-air-camera.h"
#include "on-air-jpeg.h"
#include "test-util.h"
#include "whep-client.h"

#define BLUE   0xff2060e0u
#define ORANGE 0xffe08020u

static guint
encoders_of_ours (TestServer *ts, const char *factory)
{
  return test_count_factory_outside (on_air_broadcast_get_pipeline (ts->broadcast),
                                     factory, "onairfakecamsrc");
}

static void
check_mjpeg_color (TestServer *ts, guint32 argb, int width, int height)
{
  g_autofree char *stream = test_server_url (ts, "/stream.mjpg");
  g_autoptr(MjpegReader) reader = mjpeg_reader_new (stream);
  g_autoptr(GBytes) jpeg = NULL;
  guint8 rgb[3];
  int w = 0, h = 0;

  g_assert_true (mjpeg_reader_wait_frames (reader, 10, 15000));
  jpeg = mjpeg_reader_dup_last (reader);
  g_assert_true (test_decode_jpeg (jpeg, &w, &h));
  g_assert_cmpint (w, ==, width);
  g_assert_cmpint (h, ==, height);
  g_assert_true (test_jpeg_color (jpeg, rgb));
  g_test_message ("MJPEG picture %dx%d, colour %02x%02x%02x", w, h, rgb[0], rgb[1], rgb[2]);
  g_assert_true (test_color_near (rgb, argb));
}

static void
check_webrtc (TestServer *ts)
{
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", TRUE);
  g_autofree char *location = test_whep_connect (ts, viewer);

  g_assert_true (test_whep_wait_frames (viewer, 10, 15000));
}

/* A UVC webcam's own MJPEG is what MJPEG viewers get, untouched; WebRTC
 * viewers get H.264 from it. */
static void
test_jpeg_camera (void)
{
  g_autofree char *id = test_fakecam_plug ("uvc", "Fake UVC Camera", "uvc", BLUE);
  TestServer *ts = test_server_new ("camera", NULL, 10);

  g_assert_true (test_server_wait_live (ts, 15000));
  g_assert_cmpstr (on_air_broadcast_get_source_kind (ts->broadcast), ==, "camera");
  g_assert_cmpstr (on_air_broadcast_get_description (ts->broadcast), ==, "Fake UVC Camera");
  check_mjpeg_color (ts, BLUE, 1280, 720);
  g_assert_cmpuint (encoders_of_ours (ts, "jpegenc"), ==, 0);
  check_webrtc (ts);

  test_server_free (ts);
  test_fakecam_unplug ("uvc");
}

/* A camera that only sends raw video is encoded once for MJPEG. */
static void
test_raw_camera (void)
{
  g_autofree char *id = test_fakecam_plug ("raw", "Fake Raw Camera", "raw", ORANGE);
  TestServer *ts = test_server_new (id, NULL, 10);

  g_assert_true (test_server_wait_live (ts, 15000));
  /* 640×480 runs at 30 fps; 1280×720 only at 10. */
  check_mjpeg_color (ts, ORANGE, 640, 480);
  g_assert_cmpuint (encoders_of_ours (ts, "jpegenc"), ==, 1);
  check_webrtc (ts);

  test_server_free (ts);
  test_fakecam_unplug ("raw");
}

/* Two cameras: the one asked for by its device is the one shown. */
static void
test_choose_camera (void)
{
  g_autofree char *first = test_fakecam_plug ("a-first", "First Camera", "uvc", BLUE);
  g_autofree char *second = test_fakecam_plug ("b-second", "Second Camera", "uvc", ORANGE);
  TestServer *ts = test_server_new (second, NULL, 10);

  g_assert_true (test_server_wait_live (ts, 15000));
  g_assert_cmpstr (on_air_broadcast_get_description (ts->broadcast), ==, "Second Camera");
  check_mjpeg_color (ts, ORANGE, 1280, 720);

  test_server_free (ts);
  test_fakecam_unplug ("a-first");
  test_fakecam_unplug ("b-second");
}

/* Held by another program: a message that says so, and On Air runs on. */
static void
test_busy_camera (void)
{
  g_autofree char *id = test_fakecam_plug ("busy", "Busy Camera", "busy", BLUE);
  TestServer *ts = test_server_new (id, NULL, 10);
  const char *message;

  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 15000));
  message = on_air_broadcast_get_error_message (ts->broadcast);
  g_test_message ("busy camera: %s", message);
  g_assert_nonnull (strstr (message, "in use by another application"));
  g_assert_nonnull (strstr (message, "Busy Camera"));

  test_server_free (ts);
  test_fakecam_unplug ("busy");
}

/* A camera whose JPEG mode sends pictures nobody can decode: On Air says
 * so, then uses the camera's raw mode. */
static void
remember_failure (OnAirBroadcast *broadcast, GParamSpec *pspec, char **said)
{
  if (on_air_broadcast_get_state (broadcast) == ON_AIR_SOURCE_STATE_FAILED && *said == NULL)
    *said = g_strdup (on_air_broadcast_get_error_message (broadcast));
}

static gboolean
is_set (gpointer data)
{
  return *(char **) data != NULL;
}

static void
test_broken_jpeg_camera (void)
{
  g_autofree char *id = test_fakecam_plug ("broken", "Broken Camera", "broken-jpeg", ORANGE);
  g_autofree char *said = NULL;
  TestServer *ts = test_server_new (id, NULL, 10);

  g_signal_connect (ts->broadcast, "notify::state", G_CALLBACK (remember_failure), &said);
  g_assert_true (test_wait_until (is_set, &said, 10000));
  g_test_message ("broken JPEG camera: %s", said);
  g_assert_nonnull (strstr (said, "cannot be decoded"));
  g_assert_true (test_server_wait_live (ts, 20000));
  /* Its raw mode: 640×480 at 30 fps. */
  check_mjpeg_color (ts, ORANGE, 640, 480);

  test_server_free (ts);
  test_fakecam_unplug ("broken");
}

/* A camera whose only format On Air cannot use: a message that says so,
 * and the server answers on. */
static void
test_unusable_camera (void)
{
  g_autofree char *id = test_fakecam_plug ("bayer", "Bayer Camera", "bayer", BLUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse (id, &error);
  g_autoptr(OnAirBroadcast) broadcast = on_air_broadcast_new (spec);

  g_assert_false (on_air_broadcast_start (broadcast, &error));
  g_test_message ("unusable camera: %s", error->message);
  g_assert_nonnull (strstr (error->message, "no usable video format"));
  g_assert_cmpint (on_air_broadcast_get_state (broadcast), ==, ON_AIR_SOURCE_STATE_FAILED);
  g_assert_cmpstr (on_air_broadcast_get_error_message (broadcast), ==, error->message);
  test_fakecam_unplug ("bayer");
}

/* Pulled out while On Air opens it: a clear message, nothing hangs. */
static void
test_gone_while_opening (void)
{
  g_autofree char *id = test_fakecam_plug ("flaky", "Flaky Camera", "uvc", BLUE);
  TestServer *ts = test_server_new (id, NULL, 10);
  g_autofree char *status = test_server_url (ts, "/api/status");
  g_autoptr(TestResponse) r = NULL;
  const char *message;

  test_fakecam_unplug ("flaky");
  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 15000));
  message = on_air_broadcast_get_error_message (ts->broadcast);
  g_test_message ("gone while opening: %s", message);
  g_assert_true (strstr (message, "Flaky Camera") != NULL || strstr (message, "/dev/video") != NULL);
  r = test_http ("GET", status, NULL, NULL, 0, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  test_server_free (ts);
}

/* The camera list follows cameras as they are plugged in and pulled out. */
static void
test_hotplug (void)
{
  g_autoptr(GstDeviceMonitor) monitor = on_air_camera_monitor_new ();
  g_autofree char *id = NULL;

  g_assert_true (gst_device_monitor_start (monitor));
  id = test_fakecam_plug ("hot", "Hotplugged Camera", "uvc", BLUE);
  g_assert_true (test_wait_camera (monitor, id, TRUE, 5000));
  test_fakecam_unplug ("hot");
  g_assert_true (test_wait_camera (monitor, id, FALSE, 5000));
  gst_device_monitor_stop (monitor);
}

/* The camera being broadcast is pulled out: a clear message, and its
 * viewers are not left hanging. */
static void
test_unplug_while_live (void)
{
  g_autofree char *id = test_fakecam_plug ("gone", "Unplugged Camera", "uvc", BLUE);
  TestServer *ts = test_server_new (id, NULL, 10);
  g_autofree char *stream = test_server_url (ts, "/stream.mjpg");
  g_autoptr(MjpegReader) reader = NULL;
  const char *message;

  g_assert_true (test_server_wait_live (ts, 15000));
  reader = mjpeg_reader_new (stream);
  g_assert_true (mjpeg_reader_wait_frames (reader, 5, 15000));

  test_fakecam_unplug ("gone");
  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 10000));
  message = on_air_broadcast_get_error_message (ts->broadcast);
  g_test_message ("unplugged: %s", message);
  g_assert_nonnull (strstr (message, "Unplugged Camera"));
  g_assert_true (strstr (message, "disconnected") != NULL || strstr (message, "not connected") != NULL);

  g_clear_pointer (&reader, mjpeg_reader_free);
  test_server_free (ts);
}

/* A webcam's own microphone is found by its USB device: the camera's
 * video is interface .0 of it, the microphone interface .3. A camera
 * without a microphone has none, not another camera's. */
static void
test_microphone_match (void)
{
  g_autofree char *with = test_fakecam_plug_with_microphone ("mic-a", "Mic Camera", BLUE, 660);
  g_autofree char *without = test_fakecam_plug ("mic-b", "Quiet Camera", "uvc", ORANGE);
  g_autoptr(GstDevice) camera = on_air_camera_find (with);
  g_autoptr(GstDevice) quiet = on_air_camera_find (without);
  g_autoptr(GstDevice) microphone = NULL;
  g_autoptr(GstDevice) none = NULL;
  g_autofree char *name = NULL;

  g_assert_nonnull (camera);
  g_assert_nonnull (quiet);
  microphone = on_air_camera_find_microphone (camera);
  g_assert_nonnull (microphone);
  name = gst_device_get_display_name (microphone);
  g_assert_cmpstr (name, ==, "Mic Camera Analog Mono");
  g_assert_true (gst_device_has_classes (microphone, "Audio/Source"));
  none = on_air_camera_find_microphone (quiet);
  g_assert_null (none);
  test_fakecam_unplug ("mic-a");
  test_fakecam_unplug ("mic-b");
}

static GBytes *
encode_one_jpeg (void)
{
  g_autoptr(GstElement) pipeline =
    gst_parse_launch ("videotestsrc num-buffers=1 ! video/x-raw,width=320,height=240 ! jpegenc ! "
                      "appsink name=sink sync=false", NULL);
  g_autoptr(GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_autoptr(GstSample) sample = NULL;
  GstMapInfo map;
  GBytes *bytes;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 5 * GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_nonnull (sample);
  gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
  return bytes;
}

/* The check that tells a camera's broken JPEGs from whole ones. */
static void
test_jpeg_check (void)
{
  g_autoptr(GBytes) jpeg = encode_one_jpeg ();
  gsize size;
  const guint8 *data = g_bytes_get_data (jpeg, &size);
  g_autofree guint8 *copy = g_malloc0 (size + 16);

  g_assert_true (on_air_jpeg_looks_whole (data, size));
  /* Padding after the end is fine. */
  memcpy (copy, data, size);
  g_assert_true (on_air_jpeg_looks_whole (copy, size + 16));
  /* Cut short, as a camera short of USB bandwidth sends them. */
  g_assert_false (on_air_jpeg_looks_whole (data, size / 2));
  /* Headers garbled, as the fake broken camera does. */
  memcpy (copy, data, size);
  for (gsize i = 20; i + 2 < size; i++)
    copy[i] = (guint8) (i * 131);
  g_assert_false (on_air_jpeg_looks_whole (copy, size));
  /* Not a JPEG at all. */
  g_assert_false (on_air_jpeg_looks_whole ((const guint8 *) "hello, world", 12));
  g_assert_false (on_air_jpeg_looks_whole (NULL, 0));
}

int
main (int argc, char *argv[])
{
  int status;

  test_fakecam_setup ();
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/webcam/jpeg-check", test_jpeg_check);
  g_test_add_func ("/webcam/jpeg-camera", test_jpeg_camera);
  g_test_add_func ("/webcam/raw-camera", test_raw_camera);
  g_test_add_func ("/webcam/choose-camera", test_choose_camera);
  g_test_add_func ("/webcam/busy-camera", test_busy_camera);
  g_test_add_func ("/webcam/broken-jpeg-camera", test_broken_jpeg_camera);
  g_test_add_func ("/webcam/hotplug", test_hotplug);
  g_test_add_func ("/webcam/microphone-match", test_microphone_match);
  g_test_add_func ("/webcam/unusable-camera", test_unusable_camera);
  g_test_add_func ("/webcam/gone-while-opening", test_gone_while_opening);
  g_test_add_func ("/webcam/unplug-while-live", test_unplug_while_live);
  status = g_test_run ();
  test_fakecam_teardown ();
  return status;
}
