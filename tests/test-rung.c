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

/* The rate an H.264 encoder's output runs at, by its timestamps: the
 * bytes of the frames after the first counted over their time span,
 * leaving out the first ENCODED_SKIP frames (its rate control settling).
 * Streaming thread: the probe; main thread: the rest. The figures are
 * under the lock until done. */
#define ENCODED_SKIP 30
#define ENCODED_SPAN (3 * GST_SECOND)

typedef struct
{
  GMutex       lock;
  GstPad      *pad;
  gulong       probe;
  gboolean     done;  /* the figures below are final */
  guint        seen;
  guint64      bytes;
  GstClockTime first;
  GstClockTime last;
  int          width;
} EncodedRate;

/* Shared by the probe and the list: a probe removed while it runs still
 * holds its reference until it returns. */
static void
encoded_rate_clear (gpointer data)
{
  EncodedRate *r = data;

  g_mutex_clear (&r->lock);
  gst_clear_object (&r->pad);
}

static void
encoded_rate_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, encoded_rate_clear);
}

static GstPadProbeReturn
count_encoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  EncodedRate *r = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&r->lock);
  if (!r->done && ++r->seen > ENCODED_SKIP && GST_BUFFER_PTS_IS_VALID (buffer))
    {
      if (!GST_CLOCK_TIME_IS_VALID (r->first))
        r->first = GST_BUFFER_PTS (buffer);
      else
        r->bytes += gst_buffer_get_size (buffer);
      r->last = GST_BUFFER_PTS (buffer);
    }
  g_mutex_unlock (&r->lock);
  return GST_PAD_PROBE_OK;
}

static gboolean
encoded_spans (gpointer data)
{
  EncodedRate *r = data;
  gboolean done;

  g_mutex_lock (&r->lock);
  done = GST_CLOCK_TIME_IS_VALID (r->first) && r->last >= r->first + ENCODED_SPAN;
  g_mutex_unlock (&r->lock);
  return done;
}

/* Every H.264 encoder in @pipeline (x264enc here, openh264enc in GNOME's
 * runtime), measured together: kbit/s and picture width of each. */
static GPtrArray *
measure_h264_encoders (GstElement *pipeline)
{
  GPtrArray *rates = g_ptr_array_new_with_free_func (encoded_rate_unref);

  for (guint f = 0; f < 2; f++)
    {
      g_autoptr(GPtrArray) found = test_find_factory (pipeline, f == 0 ? "x264enc" : "openh264enc");

      for (guint i = 0; i < found->len; i++)
        {
          EncodedRate *r = g_atomic_rc_box_new0 (EncodedRate);

          g_mutex_init (&r->lock);
          r->first = GST_CLOCK_TIME_NONE;
          r->pad = gst_element_get_static_pad (g_ptr_array_index (found, i), "src");
          r->probe = gst_pad_add_probe (r->pad, GST_PAD_PROBE_TYPE_BUFFER, count_encoded,
                                        g_atomic_rc_box_acquire (r), encoded_rate_unref);
          g_ptr_array_add (rates, r);
        }
    }
  for (guint i = 0; i < rates->len; i++)
    {
      EncodedRate *r = g_ptr_array_index (rates, i);
      g_autoptr(GstCaps) caps = NULL;

      g_assert_true (test_wait_until (encoded_spans, r, 20000));
      g_mutex_lock (&r->lock);
      r->done = TRUE;
      g_mutex_unlock (&r->lock);
      gst_pad_remove_probe (r->pad, r->probe);
      caps = gst_pad_get_current_caps (r->pad);
      g_assert_nonnull (caps);
      g_assert_true (gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &r->width));
    }
  return rates;
}

static double
encoded_kbps (const EncodedRate *r)
{
  return r->bytes * 8.0 / ((double) (r->last - r->first) / GST_SECOND) / 1000.0;
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

  /* Each rung's encoder keeps to its bitrate (on-air-stage.c: 2500 and
   * 600 kbit/s), whichever H.264 encoder this runtime has: the lower rung
   * is for links that cannot carry more. A quarter over is the margin;
   * openh264 left to its own rate control sent nearly twice as much. */
  {
    g_autoptr(GPtrArray) rates = measure_h264_encoders (on_air_broadcast_get_pipeline (ts->broadcast));

    g_assert_cmpuint (rates->len, ==, 2);
    for (guint i = 0; i < rates->len; i++)
      {
        const EncodedRate *r = g_ptr_array_index (rates, i);
        double target = r->width == 640 ? 600 : 2500;

        g_test_message ("%d wide: %.0f kbit/s for %.0f", r->width, encoded_kbps (r), target);
        g_assert_true (r->width == 640 || r->width == 1280);
        g_assert_cmpfloat (encoded_kbps (r), <=, target * 1.25);
        g_assert_cmpfloat (encoded_kbps (r), >=, target * 0.25);
      }
  }
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
