/* test-window-sources.c: every kind of source a person has, played in the
 * window: its preview, MJPEG bytes and a WebRTC frame for each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <gst/gst.h>

#include "fixtures/pipewire-fixture.h"
#include "fixtures/rtsp-fixture.h"
#include "on-air-application.h"
#include "on-air-window.h"
#include "test-util.h"
#include "whep-client.h"

static OnAirApplication *app;
/* Started before any window: PipeWire's device provider keeps the session
 * it first met. NULL where PipeWire cannot run here. */
static PipewireFixture *pw;
static char *pw_error;

static gboolean
has_preview_frame (gpointer data)
{
  return on_air_preview_paintable_get_texture (on_air_window_get_preview (data)) != NULL;
}

static gboolean
server_running (gpointer data)
{
  return on_air_window_get_server (data) != NULL;
}

/* Opens @source in a window as `onair --source SOURCE` does, then checks
 * what a person and each kind of viewer see. */
static void
play_in_window (const char *source, const char *what)
{
  OnAirOptions options = {
    .source = (char *) source,
    .port = 0,
    .bind = (char *) "127.0.0.1",
    .token = (char *) TEST_TOKEN,
    .max_viewers = -1,
  };
  OnAirWindow *window;
  gint64 chosen;
  TestServer ts = { 0 };
  g_autofree char *stream = NULL;
  g_autoptr(MjpegReader) reader = NULL;
  g_autoptr(WhepViewer) viewer = NULL;
  g_autofree char *location = NULL;

  chosen = g_get_monotonic_time ();
  window = on_air_window_new_with_options (app, &options);
  gtk_window_present (GTK_WINDOW (window));

  /* The preview shows the source. */
  g_assert_true (test_wait_until (has_preview_frame, window, 20000));
  g_test_message ("%s: first preview frame %" G_GINT64_FORMAT " ms after choosing it",
                  what, (g_get_monotonic_time () - chosen) / 1000);

  on_air_window_start_broadcast (window);
  g_assert_true (test_wait_until (server_running, window, 5000));
  ts.broadcast = on_air_window_get_broadcast (window);
  ts.server = on_air_window_get_server (window);
  ts.base = g_strdup_printf ("http://127.0.0.1:%u", on_air_server_get_port (ts.server));

  /* MJPEG viewers get pictures. */
  stream = test_server_url (&ts, "/stream.mjpg?token=" TEST_TOKEN);
  reader = mjpeg_reader_new (stream);
  g_test_message ("%s: source %s (%s), %s", what,
                  on_air_broadcast_get_description (ts.broadcast),
                  on_air_broadcast_get_source_kind (ts.broadcast),
                  on_air_source_state_to_string (on_air_broadcast_get_state (ts.broadcast)));
  if (!mjpeg_reader_wait_frames (reader, 5, 15000))
    g_error ("%s: no MJPEG frames (HTTP status %u)", what, mjpeg_reader_get_status (reader));
  {
    g_autoptr(GBytes) jpeg = mjpeg_reader_dup_last (reader);
    int w = 0, h = 0;

    g_assert_true (test_decode_jpeg (jpeg, &w, &h));
  }

  /* A WebRTC viewer gets H.264 frames. */
  viewer = whep_viewer_new ("H264", TRUE);
  location = test_whep_connect (&ts, viewer);
  g_assert_true (test_whep_wait_frames (viewer, 5, 15000));

  g_clear_pointer (&reader, mjpeg_reader_free);
  g_clear_pointer (&viewer, whep_viewer_free);
  on_air_window_stop_broadcast (window);
  gtk_window_destroy (GTK_WINDOW (window));
  test_spin (200);
  g_free (ts.base);
}

static void
test_test_pattern (void)
{
  play_in_window ("test", "test pattern");
}

static void
test_rtsp_h264 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = rtsp_fixture_new (NULL, NULL, &error);
  g_autofree char *url = rtsp_fixture_get_url (camera, FALSE);

  g_assert_no_error (error);
  play_in_window (url, "RTSP camera, H.264");
}

static void
test_rtsp_mjpeg (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = NULL;
  g_autofree char *url = NULL;

  g_setenv ("RTSP_FIXTURE_LAUNCH",
            "( videotestsrc is-live=true pattern=ball "
            "! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! jpegenc quality=80 "
            "! rtpjpegpay name=pay0 pt=26 )", TRUE);
  camera = rtsp_fixture_new (NULL, NULL, &error);
  g_unsetenv ("RTSP_FIXTURE_LAUNCH");
  g_assert_no_error (error);
  url = rtsp_fixture_get_url (camera, FALSE);
  play_in_window (url, "RTSP camera, MJPEG");
}

static void
test_jpeg_webcam (void)
{
  g_autofree char *id = test_fakecam_plug ("win-uvc", "Fake UVC Camera", "uvc", 0xff2060e0);

  play_in_window (id, "USB webcam, MJPEG mode");
  test_fakecam_unplug ("win-uvc");
}

static void
test_raw_webcam (void)
{
  g_autofree char *id = test_fakecam_plug ("win-raw", "Fake Raw Camera", "raw", 0xffe08020);

  play_in_window (id, "USB webcam, raw only");
  test_fakecam_unplug ("win-raw");
}

/* A camera that reaches On Air as a PipeWire node, as desktops and the
 * Flatpak camera portal hand them out: a private PipeWire session with a
 * virtual camera published into it. */
static void
test_pipewire_camera (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *node = NULL;
  g_autofree char *id = NULL;

  if (pw == NULL)
    {
      g_test_skip (pw_error);
      return;
    }
  g_assert_true (pipewire_fixture_publish (pw, "PipeWire Camera", 0xff20c060, NULL, &error));
  g_assert_no_error (error);
  node = pipewire_fixture_node_name ("PipeWire Camera");
  id = g_strconcat ("pipewire://", node, NULL);
  play_in_window (id, "PipeWire camera");
  pipewire_fixture_unpublish (pw, "PipeWire Camera");
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  pipewire_fixture_prepare_environ ();
  test_fakecam_setup ();
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();
  gst_init (NULL, NULL);

  {
    g_autoptr(GError) pw_start_error = NULL;

    pw = pipewire_fixture_new (&pw_start_error);
    if (pw == NULL)
      pw_error = g_strdup_printf ("no private PipeWire session: %s", pw_start_error->message);
  }
  app = on_air_application_new (NULL);
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window-sources/test-pattern", test_test_pattern);
  g_test_add_func ("/window-sources/rtsp-h264", test_rtsp_h264);
  g_test_add_func ("/window-sources/rtsp-mjpeg", test_rtsp_mjpeg);
  g_test_add_func ("/window-sources/jpeg-webcam", test_jpeg_webcam);
  g_test_add_func ("/window-sources/raw-webcam", test_raw_webcam);
  g_test_add_func ("/window-sources/pipewire-camera", test_pipewire_camera);
  status = g_test_run ();

  g_object_unref (app);
  g_clear_pointer (&pw, pipewire_fixture_free);
  g_free (pw_error);
  test_fakecam_teardown ();
  return status;
}
