/* test-camera.c: cameras from PipeWire and V4L2, their ids, which are
 * offered, and a PipeWire camera played end to end
 *
 * PipeWire cameras come from a real daemon the test starts
 * (fixtures/pipewire-fixture.c), V4L2-like ones from tests/fakecam.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>

#include "on-air-camera.h"
#include "on-air-error.h"
#include "on-air-source-spec.h"
#include "fixtures/pipewire-fixture.h"
#include "test-util.h"
#include "whep-client.h"

#define CAMERA_ARGB 0xff2080e0u  /* R 0x20, G 0x80, B 0xe0 */

static PipewireFixture *session;
static gboolean session_failed;

/* One PipeWire session for all tests: the device provider keeps its
 * connection to the daemon it first met. NULL after g_test_skip(). */
static PipewireFixture *
pipewire_session (void)
{
  if (session == NULL && !session_failed)
    {
      session = pipewire_fixture_new_or_skip ();
      session_failed = session == NULL;
    }
  else if (session_failed)
    g_test_skip ("no private PipeWire session (see the first test)");
  return session;
}

/* A fake V4L2 webcam at @path (raw, green), as tests/fakecam reads it. */
static void
plug_fakecam (const char *file, const char *name, const char *path)
{
  g_autofree char *id = g_strndup (file, strcspn (file, "."));

  g_free (test_fakecam_plug_at (id, name, "raw", 0xff00ff00, path));
}

static gboolean
camera_gone (gpointer data)
{
  g_autoptr(GstDevice) device = on_air_camera_find (data);

  return device == NULL;
}

/* Unplugs @name and waits until On Air no longer finds it. */
static void
unpublish (PipewireFixture *pw, const char *name)
{
  g_autofree char *node_name = pipewire_fixture_node_name (name);
  g_autofree char *id = g_strconcat ("pipewire://", node_name, NULL);

  pipewire_fixture_unpublish (pw, name);
  g_assert_true (test_wait_until (camera_gone, id, 10000));
}

static gboolean
wait_camera (GstDeviceMonitor *monitor, const char *id, gboolean present)
{
  return test_wait_camera (monitor, id, present, 10000);
}

static OnAirCamera *
find_listed (GList *cameras, const char *id)
{
  for (GList *l = cameras; l != NULL; l = l->next)
    if (g_str_equal (((OnAirCamera *) l->data)->id, id))
      return l->data;
  return NULL;
}

static void
test_source_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) by_name = on_air_source_spec_parse ("pipewire://v4l2_input.usb-cam", &error);
  g_autoptr(OnAirSourceSpec) by_serial = NULL;
  const char *bad[] = { "pipewire://", "pipewire://a b", "pipewire://a/b", NULL };

  g_assert_no_error (error);
  g_assert_cmpint (on_air_source_spec_get_kind (by_name), ==, ON_AIR_SOURCE_CAMERA);
  g_assert_cmpstr (on_air_source_spec_get_device (by_name), ==, "pipewire://v4l2_input.usb-cam");
  by_serial = on_air_source_spec_parse ("pipewire://42", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (on_air_source_spec_get_device (by_serial), ==, "pipewire://42");

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse (bad[i], &error);

      g_assert_null (spec);
      g_assert_error (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE);
      g_clear_error (&error);
    }
}

/* What pipewiredeviceprovider tells about a camera, and the id On Air
 * gives it; a V4L2 camera keeps its v4l2:// id. */
static void
test_ids (void)
{
  PipewireFixture *pw = pipewire_session ();
  g_autoptr(GstDeviceMonitor) monitor = NULL;
  g_autoptr(GstStructure) props = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *node_name = NULL;
  g_autofree char *id = NULL;
  g_autofree char *serial_id = NULL;
  GList *cameras;
  OnAirCamera *camera;

  if (pw == NULL)
    return;
  node_name = pipewire_fixture_node_name ("PipeWire Test Camera");
  id = g_strconcat ("pipewire://", node_name, NULL);
  g_assert_true (pipewire_fixture_publish (pw, "PipeWire Test Camera", CAMERA_ARGB, NULL, &error));
  g_assert_no_error (error);
  plug_fakecam ("usb.cam", "USB Camera", "/dev/video11");

  monitor = on_air_camera_monitor_new ();
  g_assert_true (gst_device_monitor_start (monitor));
  g_assert_true (wait_camera (monitor, id, TRUE));
  g_assert_true (wait_camera (monitor, "v4l2:///dev/video11", TRUE));

  cameras = on_air_camera_list (monitor);
  camera = find_listed (cameras, id);
  g_assert_cmpstr (camera->name, ==, "PipeWire Test Camera");
  g_assert_null (camera->path);
  props = gst_device_get_properties (camera->device);
  {
    g_autofree char *text = gst_structure_to_string (props);

    g_test_message ("PipeWire camera: %s", text);
  }
  g_assert_cmpstr (gst_structure_get_string (props, "media.class"), ==, "Video/Source");
  g_assert_cmpstr (gst_structure_get_string (props, "node.name"), ==, node_name);
  g_assert_nonnull (gst_structure_get_string (props, "object.serial"));
  g_assert_cmpstr (find_listed (cameras, "v4l2:///dev/video11")->name, ==, "USB Camera");

  /* Found by node.name and by object.serial. */
  serial_id = g_strconcat ("pipewire://", gst_structure_get_string (props, "object.serial"), NULL);
  {
    g_autoptr(GstDevice) by_id = on_air_camera_find (id);
    g_autoptr(GstDevice) by_serial = on_air_camera_find (serial_id);
    g_autoptr(GstDevice) by_path = on_air_camera_find ("/dev/video11");
    g_autoptr(GstDevice) by_v4l2_id = on_air_camera_find ("v4l2:///dev/video11");
    g_autoptr(GstDevice) nothing = on_air_camera_find ("pipewire://onair-test.nobody");
    g_autofree char *path_id = on_air_camera_dup_id (by_path);

    g_assert_nonnull (by_id);
    g_assert_nonnull (by_serial);
    g_assert_cmpstr (G_OBJECT_TYPE_NAME (by_id), ==, "GstPipeWireDevice");
    g_assert_cmpstr (path_id, ==, "v4l2:///dev/video11");
    g_assert_nonnull (by_v4l2_id);
    g_assert_null (nothing);
  }

  g_list_free_full (cameras, (GDestroyNotify) on_air_camera_free);
  gst_device_monitor_stop (monitor);
  test_fakecam_unplug ("usb");
  unpublish (pw, "PipeWire Test Camera");
}

/* PipeWire's node for /dev/video10 hides the same camera's V4L2 node;
 * another V4L2 camera stays; an old v4l2:// choice finds the PipeWire
 * one. Unplugging the PipeWire camera brings nothing back by itself. */
static void
test_prefer_pipewire (void)
{
  PipewireFixture *pw = pipewire_session ();
  g_autoptr(GstDeviceMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *node_name = NULL;
  g_autofree char *id = NULL;
  GList *cameras;
  OnAirCamera *camera;

  if (pw == NULL)
    return;
  node_name = pipewire_fixture_node_name ("Wrapped Camera");
  id = g_strconcat ("pipewire://", node_name, NULL);
  plug_fakecam ("wrapped.cam", "Wrapped Camera (V4L2)", "/dev/video10");
  plug_fakecam ("other.cam", "Other Camera", "/dev/video12");
  g_assert_true (pipewire_fixture_publish (pw, "Wrapped Camera", CAMERA_ARGB, "/dev/video10", &error));
  g_assert_no_error (error);

  monitor = on_air_camera_monitor_new ();
  g_assert_true (gst_device_monitor_start (monitor));
  g_assert_true (wait_camera (monitor, id, TRUE));
  g_assert_true (wait_camera (monitor, "v4l2:///dev/video12", TRUE));

  cameras = on_air_camera_list (monitor);
  g_assert_cmpuint (g_list_length (cameras), ==, 2);
  g_assert_null (find_listed (cameras, "v4l2:///dev/video10"));
  camera = find_listed (cameras, id);
  g_assert_cmpstr (camera->path, ==, "/dev/video10");
  g_list_free_full (cameras, (GDestroyNotify) on_air_camera_free);

  {
    g_autoptr(GstDevice) old_choice = on_air_camera_find ("v4l2:///dev/video10");
    g_autoptr(GstDevice) by_node = on_air_camera_find ("/dev/video10");

    g_assert_cmpstr (G_OBJECT_TYPE_NAME (old_choice), ==, "GstPipeWireDevice");
    g_assert_cmpstr (G_OBJECT_TYPE_NAME (by_node), ==, "GstPipeWireDevice");
  }

  /* Hotplug: gone from PipeWire, the V4L2 node is offered again. */
  pipewire_fixture_unpublish (pw, "Wrapped Camera");
  g_assert_true (wait_camera (monitor, id, FALSE));
  g_assert_true (wait_camera (monitor, "v4l2:///dev/video10", TRUE));

  gst_device_monitor_stop (monitor);
  test_fakecam_unplug ("wrapped");
  test_fakecam_unplug ("other");
}

/* Two nodes that share a node.name (a program publishing twice) are told
 * apart by object.serial. */
static void
test_same_node_name (void)
{
  PipewireFixture *pw = pipewire_session ();
  g_autoptr(GstDeviceMonitor) monitor = NULL;
  g_autoptr(GError) error = NULL;
  GList *cameras = NULL;

  if (pw == NULL)
    return;
  /* Same node.name: names differ only where the name is canonicalised. */
  g_assert_true (pipewire_fixture_publish (pw, "Twin A", CAMERA_ARGB, NULL, &error));
  g_assert_true (pipewire_fixture_publish (pw, "Twin+A", CAMERA_ARGB, NULL, &error));
  g_assert_no_error (error);

  monitor = on_air_camera_monitor_new ();
  g_assert_true (gst_device_monitor_start (monitor));
  g_assert_true (wait_camera (monitor, "pipewire://onair-test.twin-a", TRUE));
  for (guint tries = 0; tries < 100 && g_list_length (cameras) < 2; tries++)
    {
      g_list_free_full (cameras, (GDestroyNotify) on_air_camera_free);
      test_spin (50);
      cameras = on_air_camera_list (monitor);
    }
  g_assert_cmpuint (g_list_length (cameras), ==, 2);
  g_assert_cmpstr (((OnAirCamera *) cameras->data)->id, ==, "pipewire://onair-test.twin-a");
  {
    OnAirCamera *second = cameras->next->data;
    g_autoptr(GstStructure) props = gst_device_get_properties (second->device);
    g_autofree char *expected = g_strconcat ("pipewire://", gst_structure_get_string (props, "object.serial"), NULL);

    g_assert_cmpstr (second->id, ==, expected);
  }
  g_list_free_full (cameras, (GDestroyNotify) on_air_camera_free);
  gst_device_monitor_stop (monitor);
  pipewire_fixture_unpublish (pw, "Twin+A");
  unpublish (pw, "Twin A");
}

/* Reads the colour in the middle of @sample (RGB). */
static guint32
middle_rgb (GstSample *sample)
{
  GstCaps *caps = gst_sample_get_caps (sample);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  GstMapInfo map;
  int width = 0, height = 0;
  guint32 rgb;
  const guint8 *p;
  int stride;

  gst_structure_get_int (s, "width", &width);
  gst_structure_get_int (s, "height", &height);
  stride = GST_ROUND_UP_4 (width * 3);
  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  p = map.data + (height / 2) * stride + (width / 2) * 3;
  rgb = (p[0] << 16) | (p[1] << 8) | p[2];
  gst_buffer_unmap (buffer, &map);
  return rgb;
}

static gboolean
close_colour (guint32 a, guint32 b)
{
  for (int shift = 0; shift < 24; shift += 8)
    if (ABS ((int) ((a >> shift) & 0xff) - (int) ((b >> shift) & 0xff)) > 12)
      return FALSE;
  return TRUE;
}

/* The camera's own element, as On Air opens it, delivers frames of the
 * camera's colour. */
static void
test_play (void)
{
  PipewireFixture *pw = pipewire_session ();
  g_autoptr(GstDeviceMonitor) monitor = NULL;
  g_autoptr(GstDevice) device = NULL;
  g_autoptr(GstCaps) device_caps = NULL;
  g_autoptr(GstCaps) mode = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  GstElement *src;
  GstElement *filter;
  gboolean is_jpeg;
  guint frames = 0;
  gint64 first_frame_us = 0;
  gint64 start_us;

  if (pw == NULL)
    return;
  g_assert_true (pipewire_fixture_publish (pw, "PipeWire Test Camera", CAMERA_ARGB, NULL, &error));
  g_assert_no_error (error);
  monitor = on_air_camera_monitor_new ();
  g_assert_true (gst_device_monitor_start (monitor));
  g_assert_true (wait_camera (monitor, "pipewire://onair-test.pipewire-test-camera", TRUE));
  gst_device_monitor_stop (monitor);

  /* The first camera, and the one its id names, are this one. */
  device = on_air_camera_find (NULL);
  g_assert_nonnull (device);
  id = on_air_camera_dup_id (device);
  g_assert_cmpstr (id, ==, "pipewire://onair-test.pipewire-test-camera");
  g_clear_object (&device);
  device = on_air_camera_find (id);
  g_assert_nonnull (device);

  device_caps = gst_device_get_caps (device);
  mode = on_air_camera_choose_caps (device_caps, &is_jpeg);
  g_assert_false (is_jpeg);
  src = on_air_camera_create_element (device);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (src), ==, "GstPipeWireSrc");
  filter = gst_element_factory_make ("capsfilter", NULL);
  g_object_set (filter, "caps", mode, NULL);
  pipeline = gst_pipeline_new (NULL);
  sink = gst_parse_bin_from_description ("videoconvert ! video/x-raw,format=RGB ! appsink name=out sync=false max-buffers=2 drop=true",
                                         TRUE, &error);
  g_assert_no_error (error);
  gst_bin_add_many (GST_BIN (pipeline), src, filter, gst_object_ref (sink), NULL);
  g_assert_true (gst_element_link_many (src, filter, sink, NULL));
  start_us = g_get_monotonic_time ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  {
    g_autoptr(GstElement) appsink = gst_bin_get_by_name (GST_BIN (sink), "out");

    while (frames < 30)
      {
        g_autoptr(GstSample) sample = NULL;

        g_signal_emit_by_name (appsink, "try-pull-sample", 10 * GST_SECOND, &sample);
        g_assert_nonnull (sample);
        g_assert_true (GST_BUFFER_PTS_IS_VALID (gst_sample_get_buffer (sample)));
        if (frames++ == 0)
          {
            first_frame_us = g_get_monotonic_time ();
            g_assert_true (close_colour (middle_rgb (sample), CAMERA_ARGB & 0xffffff));
          }
      }
  }
  g_test_message ("first frame after %" G_GINT64_FORMAT " ms, 30 frames after %" G_GINT64_FORMAT " ms",
                  (first_frame_us - start_us) / 1000, (g_get_monotonic_time () - start_us) / 1000);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  unpublish (pw, "PipeWire Test Camera");
}

/* The engine broadcasts it: camera (the first in On Air's order) and its
 * pipewire:// id both reach MJPEG viewers. */
static void
test_broadcast (void)
{
  PipewireFixture *pw = pipewire_session ();
  g_autoptr(GError) error = NULL;
  const char *sources[] = { "pipewire://onair-test.pipewire-test-camera", "camera", NULL };

  if (pw == NULL)
    return;
  g_assert_true (pipewire_fixture_publish (pw, "PipeWire Test Camera", CAMERA_ARGB, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; sources[i] != NULL; i++)
    {
      TestServer *ts = test_server_new (sources[i], NULL, 4);
      g_autofree char *url = test_server_url (ts, "/stream.mjpg");
      g_autoptr(MjpegReader) reader = NULL;
      g_autoptr(GBytes) jpeg = NULL;
      int width = 0, height = 0;

      g_assert_true (test_server_wait_live (ts, 10000));
      g_assert_cmpstr (on_air_broadcast_get_source_kind (ts->broadcast), ==, "camera");
      g_assert_cmpstr (on_air_broadcast_get_description (ts->broadcast), ==, "PipeWire Test Camera");
      reader = mjpeg_reader_new (url);
      g_assert_true (mjpeg_reader_wait_frames (reader, 10, 10000));
      jpeg = mjpeg_reader_dup_last (reader);
      g_assert_true (test_decode_jpeg (jpeg, &width, &height));
      g_assert_cmpint (width, ==, 1280);
      g_assert_cmpint (height, ==, 720);
      g_clear_pointer (&reader, mjpeg_reader_free);
      test_server_free (ts);
    }
  unpublish (pw, "PipeWire Test Camera");
}

/* Viewers on a PipeWire camera that another program publishes (as a
 * real camera service does), for seconds: PipeWire 0.3.65 took frames'
 * shared memory back under our encoders, a crash within seconds. */
static void
test_pipewire_viewers_stay (void)
{
  PipewireFixture *pw = pipewire_session ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) publisher = NULL;
  g_autoptr(MjpegReader) reader = NULL;
  g_autoptr(WhepViewer) viewer = NULL;
  g_autofree char *location = NULL;
  g_autofree char *url = NULL;
  g_auto(GStrv) envp = NULL;
  g_autoptr(GstDeviceMonitor) monitor = NULL;
  TestServer *ts;

  if (pw == NULL)
    return;
  envp = pipewire_fixture_get_environ (pw);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_environ (launcher, envp);
  publisher = g_subprocess_launcher_spawn (launcher, &error, "gst-launch-1.0", "-q",
                                           "videotestsrc", "is-live=true", "pattern=ball", "!",
                                           "video/x-raw,format=I420,width=1280,height=720,framerate=30/1", "!",
                                           "pipewiresink", "mode=provide",
                                           "stream-properties=props,media.class=Video/Source,"
                                           "node.description=Separate,node.name=onair-test.separate",
                                           NULL);
  g_assert_no_error (error);
  monitor = on_air_camera_monitor_new ();
  g_assert_true (gst_device_monitor_start (monitor));
  g_assert_true (test_wait_camera (monitor, "pipewire://onair-test.separate", TRUE, 10000));

  ts = test_server_new ("pipewire://onair-test.separate", NULL, 4);
  g_assert_true (test_server_wait_live (ts, 10000));
  url = test_server_url (ts, "/stream.mjpg");
  reader = mjpeg_reader_new (url);
  viewer = whep_viewer_new ("H264", TRUE);
  location = test_whep_connect (ts, viewer);
  g_assert_true (mjpeg_reader_wait_frames (reader, 150, 20000));
  g_assert_true (test_whep_wait_frames (viewer, 100, 20000));
  g_clear_pointer (&reader, mjpeg_reader_free);
  g_clear_pointer (&viewer, whep_viewer_free);
  test_server_free (ts);
  g_subprocess_force_exit (publisher);
  g_subprocess_wait (publisher, NULL, NULL);
  g_assert_true (test_wait_camera (monitor, "pipewire://onair-test.separate", FALSE, 10000));
  gst_device_monitor_stop (monitor);
}

int
main (int argc, char *argv[])
{
  int status;

  pipewire_fixture_prepare_environ ();
  test_fakecam_setup ();
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/camera/source-spec", test_source_spec);
  g_test_add_func ("/camera/ids", test_ids);
  g_test_add_func ("/camera/prefer-pipewire", test_prefer_pipewire);
  g_test_add_func ("/camera/same-node-name", test_same_node_name);
  g_test_add_func ("/camera/play", test_play);
  g_test_add_func ("/camera/broadcast", test_broadcast);
  g_test_add_func ("/camera/pipewire-viewers-stay", test_pipewire_viewers_stay);

  status = g_test_run ();
  g_clear_pointer (&session, pipewire_fixture_free);
  test_fakecam_teardown ();
  return status;
}
