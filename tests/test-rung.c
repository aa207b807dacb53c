/* test-rung.c: a viewer whose link cannot carry the shared encode gets a
 * lower rung, and the others keep theirs; against real webrtcbin viewers
 * whose links lose packets, as their own receiver reports say.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "on-air-broadcast.h"
#include "fixtures/rtsp-fixture.h"
#include "test-util.h"
#include "whep-client.h"

typedef struct
{
  TestServer *ts;
  const char *location; /* "/whep/<id>" */
  char       *rung;
} RungWait;

/* The viewer's "rung" in /api/status, or NULL if it is not listed. */
static char *
status_rung (TestServer *ts, const char *location)
{
  g_autofree char *url = test_server_url (ts, "/api/status");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, TEST_TOKEN);
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *id = location + strlen ("/whep/");
  JsonArray *viewers;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  viewers = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "viewers");
  for (guint i = 0; i < json_array_get_length (viewers); i++)
    {
      JsonObject *viewer = json_array_get_object_element (viewers, i);

      if (g_str_equal (json_object_get_string_member (viewer, "id"), id))
        return g_strdup (json_object_get_string_member (viewer, "rung"));
    }
  return NULL;
}

static gboolean
on_rung (gpointer data)
{
  RungWait *w = data;
  g_autofree char *rung = status_rung (w->ts, w->location);

  return g_strcmp0 (rung, w->rung) == 0;
}

static gboolean
wait_rung (TestServer *ts, const char *location, const char *rung, guint timeout_ms)
{
  RungWait w = { ts, location, (char *) rung };

  return test_wait_until (on_rung, &w, timeout_ms);
}

static void
hang_up (TestServer *ts, const char *location)
{
  g_autofree char *url = test_server_url (ts, location);
  g_autoptr(TestResponse) r = test_http ("DELETE", url, NULL, NULL, 0, TEST_TOKEN);

  g_assert_cmpuint (r->status, ==, 200);
}

static void
test_weak_links_share_lower_rung (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  g_autoptr(WhepViewer) weak1 = whep_viewer_new ("H264", TRUE);
  g_autoptr(WhepViewer) weak2 = whep_viewer_new ("H264", TRUE);
  g_autoptr(WhepViewer) good = whep_viewer_new ("H264", TRUE);
  g_autofree char *loc1 = NULL;
  g_autofree char *loc2 = NULL;
  g_autofree char *loc_good = NULL;
  g_autofree char *rung = NULL;
  int w = 0, h = 0;

  g_assert_true (test_server_wait_live (ts, 10000));
  loc1 = test_whep_connect (ts, weak1);
  loc2 = test_whep_connect (ts, weak2);
  loc_good = test_whep_connect (ts, good);
  g_assert_true (test_whep_wait_frames (weak1, 10, 15000));
  g_assert_true (test_whep_wait_frames (weak2, 10, 15000));
  g_assert_true (test_whep_wait_frames (good, 10, 15000));
  g_assert_true (wait_rung (ts, loc1, "high", 1000));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);

  /* Two links that lose a third of the packets, and one that loses 2 %
   * (ordinary Wi-Fi, which retransmission repairs). */
  whep_viewer_set_loss (weak1, 30);
  whep_viewer_set_loss (weak2, 30);
  whep_viewer_set_loss (good, 2);
  g_assert_true (wait_rung (ts, loc1, "low", 20000));
  g_assert_true (wait_rung (ts, loc2, "low", 10000));
  /* One lower-rung encoder for both, beside the shared one. */
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 2);
  rung = status_rung (ts, loc_good);
  g_assert_cmpstr (rung, ==, "high");

  /* The moved viewers' streams run on (same SSRC, sequence continued):
   * with the loss gone they decode the lower rung, at 640×360; the
   * other viewer's picture goes on. (Decoded frames: without the loss, as
   * openh264dec shows nothing of a damaged picture.) */
  whep_viewer_set_loss (weak1, 0);
  whep_viewer_set_loss (weak2, 0);
  whep_viewer_set_loss (good, 0);
  g_assert_true (test_whep_wait_frames (good, 30, 10000));
  g_assert_true (test_whep_wait_frames (weak1, 30, 10000));
  g_assert_true (test_whep_wait_frames (weak2, 30, 10000));
  g_assert_cmpuint (whep_viewer_get_discontinuities (weak1), ==, 0);
  g_assert_cmpuint (whep_viewer_get_discontinuities (weak2), ==, 0);
  g_assert_true (whep_viewer_get_size (weak1, &w, &h));
  g_assert_cmpint (w, ==, 640);
  g_assert_cmpint (h, ==, 360);
  g_clear_pointer (&rung, g_free);
  rung = status_rung (ts, loc1);
  g_assert_cmpstr (rung, ==, "low"); /* a clean spell of 20 s before trying higher */

  /* One leaves; the lower rung stays for the other. */
  hang_up (ts, loc2);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 2);

  /* After 20 s without loss the other goes back up, and nobody needs the
   * lower rung any more: its encoder stops. */
  g_assert_true (wait_rung (ts, loc1, "high", 40000));
  g_assert_true (test_whep_wait_frames (weak1, 30, 10000));
  g_assert_true (whep_viewer_get_size (weak1, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);
  g_assert_cmpuint (whep_viewer_get_discontinuities (weak1), ==, 0);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  g_assert_true (test_whep_wait_frames (good, 30, 5000));
  g_clear_pointer (&rung, g_free);
  rung = status_rung (ts, loc_good);
  g_assert_cmpstr (rung, ==, "high");

  test_server_free (ts);
}

/* A camera whose H.264 is passed through: the lower rung is a decoder and
 * an encoder, there only while a viewer needs it. */
static void
test_passthrough_lower_rung (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) camera = rtsp_fixture_new (NULL, NULL, &error);
  g_autofree char *camera_url = NULL;
  g_autoptr(WhepViewer) weak = whep_viewer_new ("H264", TRUE);
  g_autoptr(WhepViewer) good = whep_viewer_new ("H264", TRUE);
  g_autofree char *loc_weak = NULL;
  g_autofree char *loc_good = NULL;
  g_autofree char *rung = NULL;
  GstElement *pipeline;
  TestServer *ts;

  g_assert_no_error (error);
  camera_url = rtsp_fixture_get_url (camera, FALSE);
  ts = test_server_new (camera_url, TEST_TOKEN, 10);
  g_assert_true (test_server_wait_live (ts, 15000));
  pipeline = on_air_broadcast_get_pipeline (ts->broadcast);

  loc_weak = test_whep_connect (ts, weak);
  loc_good = test_whep_connect (ts, good);
  g_assert_true (test_whep_wait_frames (weak, 10, 15000));
  g_assert_true (test_whep_wait_frames (good, 10, 15000));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);

  whep_viewer_set_loss (weak, 30);
  whep_viewer_set_loss (good, 0);
  g_assert_true (wait_rung (ts, loc_weak, "low", 20000));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  g_assert_cmpuint (test_count_factory (pipeline, "avdec_h264") + test_count_factory (pipeline, "openh264dec"), ==, 1);
  rung = status_rung (ts, loc_good);
  g_assert_cmpstr (rung, ==, "high");
  whep_viewer_set_loss (weak, 0);
  g_assert_true (test_whep_wait_frames (weak, 30, 10000));
  g_assert_true (test_whep_wait_frames (good, 30, 5000));
  g_assert_cmpuint (whep_viewer_get_discontinuities (weak), ==, 0);

  hang_up (ts, loc_weak);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);
  g_assert_cmpuint (test_count_factory (pipeline, "avdec_h264") + test_count_factory (pipeline, "openh264dec"), ==, 0);
  g_assert_true (test_whep_wait_frames (good, 30, 5000));

  test_server_free (ts);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/rung/weak-links-share-lower-rung", test_weak_links_share_lower_rung);
  g_test_add_func ("/rung/passthrough-lower-rung", test_passthrough_lower_rung);
  return g_test_run ();
}
