/* test-engine.c: source parsing, tokens, and the broadcast pipeline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gst/rtp/rtp.h>

#include "on-air-camera.h"
#include "on-air-error.h"
#include "on-air-lan.h"
#include "on-air-rtp-bundle.h"
#include "on-air-setup-turns.h"
#include "on-air-source-spec.h"
#include "on-air-stamp.h"
#include "on-air-token.h"
#include "on-air-webrtcbin.h"
#include "test-util.h"

static void
test_source_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) rtsp = NULL;
  g_autoptr(OnAirSourceSpec) v4l2 = NULL;
  g_autoptr(OnAirSourceSpec) dflt = NULL;
  const char *bad[] = { "v4l2:///etc/passwd", "v4l2:///dev/video", "http://x/y", "rtsp://",
                        "rtsp:///path", "cam", "v4l2://dev/video0", "file:///dev/video0", NULL };

  rtsp = on_air_source_spec_parse ("rtsp://ad%40min:p%3Ass@cam.local:8554/live?ch=1", &error);
  g_assert_no_error (error);
  g_assert_cmpint (on_air_source_spec_get_kind (rtsp), ==, ON_AIR_SOURCE_RTSP);
  g_assert_cmpstr (on_air_source_spec_get_location (rtsp), ==, "rtsp://cam.local:8554/live?ch=1");
  g_assert_cmpstr (on_air_source_spec_get_user (rtsp), ==, "ad@min");
  g_assert_cmpstr (on_air_source_spec_get_password (rtsp), ==, "p:ss");
  g_assert_null (strstr (on_air_source_spec_get_description (rtsp), "p:ss"));
  g_assert_null (strstr (on_air_source_spec_get_description (rtsp), "p%3Ass"));

  v4l2 = on_air_source_spec_parse ("v4l2:///dev/video2", &error);
  g_assert_no_error (error);
  g_assert_cmpint (on_air_source_spec_get_kind (v4l2), ==, ON_AIR_SOURCE_CAMERA);
  g_assert_cmpstr (on_air_source_spec_get_device (v4l2), ==, "/dev/video2");

  dflt = on_air_source_spec_parse (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (on_air_source_spec_get_kind (dflt), ==, ON_AIR_SOURCE_AUTO);

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse (bad[i], &error);

      g_assert_null (spec);
      g_assert_error (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE);
      g_clear_error (&error);
    }

  {
    g_autofree char *redacted = on_air_redact_uri ("rtsp://u:secret@10.0.0.2/s");
    g_assert_cmpstr (redacted, ==, "rtsp://10.0.0.2/s");
  }
}

static void
test_tokens (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      char *token = on_air_token_generate ();

      /* 24 random bytes in URL-safe base64: 192 bits. */
      g_assert_cmpuint (strlen (token), ==, 32);
      g_assert_true (on_air_token_is_valid (token));
      g_assert_null (strpbrk (token, "+/=?&#% "));
      g_assert_false (g_hash_table_contains (seen, token));
      g_hash_table_add (seen, token);
    }

  g_assert_true (on_air_token_equal ("abcdefghijklmnop", "abcdefghijklmnop"));
  g_assert_false (on_air_token_equal ("abcdefghijklmnop", "abcdefghijklmnoq"));
  g_assert_false (on_air_token_equal ("abcdefghijklmnop", "abcdefghijklmno"));
  g_assert_false (on_air_token_equal ("abcdefghijklmnop", ""));
  g_assert_false (on_air_token_equal ("abcdefghijklmnop", NULL));
  g_assert_false (on_air_token_is_valid ("short"));
  g_assert_false (on_air_token_is_valid ("has a space in it here"));
}

static void
test_lan_urls (void)
{
  g_auto(GStrv) addresses = on_air_lan_addresses ();
  g_autofree char *url = on_air_lan_viewer_url ("192.168.1.20", 8080, "tok-tok-tok-tok-tok");
  g_autofree char *open = on_air_lan_viewer_url ("fe80::1", 9000, NULL);

  g_assert_nonnull (addresses[0]);
  for (guint i = 0; addresses[i] != NULL; i++)
    g_assert_false (g_str_has_prefix (addresses[i], "127.") && addresses[i + 1] != NULL);
  g_assert_cmpstr (url, ==, "http://192.168.1.20:8080/?token=tok-tok-tok-tok-tok");
  g_assert_cmpstr (open, ==, "http://[fe80::1]:9000/");
}

typedef struct
{
  guint frames;
  guint64 last_sequence;
  GBytes *last;
} FrameCount;

static void
on_jpeg (OnAirBroadcast *broadcast, GBytes *frame, guint64 sequence, gpointer user_data)
{
  FrameCount *count = user_data;

  g_assert_cmpuint (sequence, >, count->last_sequence);
  count->last_sequence = sequence;
  count->frames++;
  g_clear_pointer (&count->last, g_bytes_unref);
  count->last = g_bytes_ref (frame);
}

static gboolean
enough_frames (gpointer data)
{
  return ((FrameCount *) data)->frames >= 30;
}

static guint
count_factory (OnAirBroadcast *broadcast, const char *name)
{
  return test_count_factory (on_air_broadcast_get_pipeline (broadcast), name);
}

static void
test_broadcast_jpeg (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse ("test", &error);
  g_autoptr(OnAirBroadcast) broadcast = on_air_broadcast_new (spec);
  FrameCount a = { 0 }, b = { 0 };
  int w = 0, h = 0;

  g_assert_true (on_air_broadcast_start (broadcast, &error));
  g_assert_no_error (error);
  g_assert_true (test_broadcast_wait_state (broadcast, ON_AIR_SOURCE_STATE_LIVE, 10000));
  g_assert_true (on_air_broadcast_get_resolution (broadcast, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);

  /* Nobody needs JPEG: no encoder. */
  g_assert_cmpuint (count_factory (broadcast, "jpegenc"), ==, 0);

  g_signal_connect (broadcast, "jpeg-frame", G_CALLBACK (on_jpeg), &a);
  g_signal_connect (broadcast, "jpeg-frame", G_CALLBACK (on_jpeg), &b);
  on_air_broadcast_acquire_jpeg (broadcast);
  on_air_broadcast_acquire_jpeg (broadcast);
  g_assert_true (test_wait_until (enough_frames, &a, 10000));
  g_assert_true (test_wait_until (enough_frames, &b, 10000));
  /* Two consumers, one encoder, the very same frame bytes. */
  g_assert_cmpuint (count_factory (broadcast, "jpegenc"), ==, 1);
  g_assert_true (a.last == b.last || g_bytes_equal (a.last, b.last));
  g_assert_true (test_decode_jpeg (a.last, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);

  /* The test pattern carries its capture time; it survives JPEG. */
  {
    guint32 stamp = 0;
    guint32 age;

    g_assert_true (test_read_jpeg_stamp (a.last, &stamp));
    age = on_air_stamp_now () - stamp;
    g_test_message ("JPEG frame is %u ms old when decoded", age);
    g_assert_cmpuint (age, <, 2000);
  }

  on_air_broadcast_release_jpeg (broadcast);
  g_assert_cmpuint (count_factory (broadcast, "jpegenc"), ==, 1);
  on_air_broadcast_release_jpeg (broadcast);
  g_assert_cmpuint (count_factory (broadcast, "jpegenc"), ==, 0);

  /* The source fps is measured. */
  test_spin (1500);
  g_assert_cmpfloat (on_air_broadcast_get_fps (broadcast), >, 25.0);

  on_air_broadcast_stop (broadcast);
  g_assert_cmpint (on_air_broadcast_get_state (broadcast), ==, ON_AIR_SOURCE_STATE_STOPPED);
  g_clear_pointer (&a.last, g_bytes_unref);
  g_clear_pointer (&b.last, g_bytes_unref);
}

typedef struct
{
  guint frames;
  int width, height;
  gboolean bgra;
} PreviewCount;

static void
on_preview (OnAirBroadcast *broadcast, GstSample *sample, gpointer user_data)
{
  PreviewCount *count = user_data;
  GstStructure *s = gst_caps_get_structure (gst_sample_get_caps (sample), 0);

  count->frames++;
  gst_structure_get_int (s, "width", &count->width);
  gst_structure_get_int (s, "height", &count->height);
  count->bgra = g_strcmp0 (gst_structure_get_string (s, "format"), "BGRA") == 0;
}

static gboolean
enough_previews (gpointer data)
{
  return ((PreviewCount *) data)->frames >= 20;
}

static void
test_broadcast_preview (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse ("test", &error);
  g_autoptr(OnAirBroadcast) broadcast = on_air_broadcast_new (spec);
  PreviewCount count = { 0 };

  g_signal_connect (broadcast, "preview-frame", G_CALLBACK (on_preview), &count);
  on_air_broadcast_acquire_preview (broadcast, 640, 480);
  g_assert_true (on_air_broadcast_start (broadcast, &error));
  g_assert_true (test_wait_until (enough_previews, &count, 10000));
  /* Scaled into 640×480 keeping 16:9. */
  g_assert_cmpint (count.width, ==, 640);
  g_assert_cmpint (count.height, ==, 360);
  g_assert_true (count.bgra);
  on_air_broadcast_release_preview (broadcast);
  on_air_broadcast_stop (broadcast);
}

static gboolean
has_video_device (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/dev", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "video"))
      return TRUE;
  return FALSE;
}

static void
test_auto_without_camera (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse ("auto", &error);
  g_autoptr(OnAirBroadcast) broadcast = on_air_broadcast_new (spec);

  if (has_video_device ())
    {
      g_test_skip ("this machine has a camera");
      return;
    }
  g_assert_true (on_air_broadcast_start (broadcast, &error));
  g_assert_no_error (error);
  g_assert_true (test_broadcast_wait_state (broadcast, ON_AIR_SOURCE_STATE_LIVE, 10000));
  g_assert_cmpstr (on_air_broadcast_get_source_kind (broadcast), ==, "test");
  g_assert_cmpstr (on_air_broadcast_get_description (broadcast), ==, "Test pattern");
  on_air_broadcast_stop (broadcast);
}

static void
test_missing_camera (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse ("v4l2:///dev/video97", &error);
  g_autoptr(OnAirBroadcast) broadcast = on_air_broadcast_new (spec);
  gboolean started;

  /* Not there: a clear failure, retried, never a crash. */
  started = on_air_broadcast_start (broadcast, &error);
  if (started)
    g_assert_true (test_broadcast_wait_state (broadcast, ON_AIR_SOURCE_STATE_FAILED, 10000));
  g_assert_cmpint (on_air_broadcast_get_state (broadcast), ==, ON_AIR_SOURCE_STATE_FAILED);
  g_test_message ("%s", on_air_broadcast_get_error_message (broadcast));
  g_assert_cmpstr (on_air_broadcast_get_error_message (broadcast), ==, "No camera is connected at /dev/video97");
  g_assert_cmpuint (on_air_broadcast_get_retry_seconds (broadcast), >, 0);
  on_air_broadcast_stop (broadcast);
}

static void
test_camera_caps (void)
{
  /* What a common UVC webcam reports: raw YUYV is slow at 720p, its own
   * MJPEG is not; 1080p is more than we send. */
  g_autoptr(GstCaps) webcam = gst_caps_from_string (
    "video/x-raw, format=YUY2, width=640, height=480, framerate={ 30/1, 15/1 }; "
    "video/x-raw, format=YUY2, width=1280, height=720, framerate=10/1; "
    "image/jpeg, width=1920, height=1080, framerate=30/1; "
    "image/jpeg, width=1280, height=720, framerate={ 30/1, 15/1 }; "
    "image/jpeg, width=640, height=480, framerate=30/1");
  g_autoptr(GstCaps) raw_only = gst_caps_from_string (
    "video/x-raw, format=YUY2, width=1280, height=720, framerate=10/1; "
    "video/x-raw, format=YUY2, width=640, height=480, framerate=30/1");
  g_autoptr(GstCaps) chosen = NULL;
  g_autoptr(GstCaps) expected = NULL;
  gboolean jpeg;

  chosen = on_air_camera_choose_caps (webcam, &jpeg);
  expected = gst_caps_from_string ("image/jpeg, width=1280, height=720, framerate=[1/1, 30/1]");
  g_assert_true (jpeg);
  g_assert_true (gst_caps_is_equal (chosen, expected));
  g_clear_pointer (&chosen, gst_caps_unref);
  g_clear_pointer (&expected, gst_caps_unref);

  /* Raw only: 30 fps beats size. */
  chosen = on_air_camera_choose_caps (raw_only, &jpeg);
  expected = gst_caps_from_string ("video/x-raw, width=640, height=480, framerate=[1/1, 30/1]");
  g_assert_false (jpeg);
  g_assert_true (gst_caps_is_equal (chosen, expected));
  g_clear_pointer (&chosen, gst_caps_unref);
  g_clear_pointer (&expected, gst_caps_unref);

  /* Nothing known: let the camera negotiate raw up to 720p. */
  chosen = on_air_camera_choose_caps (NULL, &jpeg);
  expected = gst_caps_from_string ("video/x-raw");
  g_assert_false (jpeg);
  g_assert_true (gst_caps_is_subset (chosen, expected));
  g_clear_pointer (&chosen, gst_caps_unref);
  g_clear_pointer (&expected, gst_caps_unref);
}

static void
count_finalized (gpointer data, GObject *where_the_object_was)
{
  (*(guint *) data)++;
}

static gboolean
all_finalized (gpointer data)
{
  return *(guint *) data == 70;
}

/* Stopped webrtcbins wait five seconds before they are let go (their DTLS
 * timers), but no more than 64 at once: viewers who join and leave fast
 * cannot pile them up. */
static void
test_retired_webrtcbins (void)
{
  guint gone = 0;

  g_assert_cmpuint (on_air_webrtcbin_count_retired (), ==, 0);
  for (guint i = 0; i < 70; i++)
    {
      GstElement *element = gst_object_ref_sink (gst_element_factory_make ("fakesink", NULL));

      g_object_weak_ref (G_OBJECT (element), count_finalized, &gone);
      on_air_webrtcbin_retire (element);
    }
  g_assert_cmpuint (on_air_webrtcbin_count_retired (), ==, 64);
  g_assert_cmpuint (gone, ==, 6);
  g_assert_true (test_wait_until (all_finalized, &gone, 10000));
  g_assert_cmpuint (on_air_webrtcbin_count_retired (), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* the RTP frame bundle                                                   */

typedef struct
{
  GString *seen; /* "B3" a buffer, "L0-2" a list, "E<name>" an event */
} BundleSink;

static GstBuffer *
rtp_packet (guint16 seq, gboolean marker)
{
  GstBuffer *buffer = gst_rtp_buffer_new_allocate (4, 0, 0);
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  g_assert_true (gst_rtp_buffer_map (buffer, GST_MAP_WRITE, &rtp));
  gst_rtp_buffer_set_seq (&rtp, seq);
  gst_rtp_buffer_set_marker (&rtp, marker);
  gst_rtp_buffer_unmap (&rtp);
  return buffer;
}

static guint16
rtp_seq (GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  guint16 seq;

  g_assert_true (gst_rtp_buffer_map (buffer, GST_MAP_READ, &rtp));
  seq = gst_rtp_buffer_get_seq (&rtp);
  gst_rtp_buffer_unmap (&rtp);
  return seq;
}

static GstFlowReturn
bundle_sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  BundleSink *sink = g_object_get_data (G_OBJECT (pad), "sink");

  g_string_append_printf (sink->seen, "B%u ", rtp_seq (buffer));
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static GstFlowReturn
bundle_sink_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  BundleSink *sink = g_object_get_data (G_OBJECT (pad), "sink");
  guint n = gst_buffer_list_length (list);

  /* A list holds the packets it was given, one after another. */
  for (guint i = 1; i < n; i++)
    g_assert_cmpuint (rtp_seq (gst_buffer_list_get (list, i)), ==,
                      (guint16) (rtp_seq (gst_buffer_list_get (list, 0)) + i));
  g_string_append_printf (sink->seen, "L%u-%u ", rtp_seq (gst_buffer_list_get (list, 0)),
                          rtp_seq (gst_buffer_list_get (list, n - 1)));
  gst_buffer_list_unref (list);
  return GST_FLOW_OK;
}

static gboolean
bundle_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  BundleSink *sink = g_object_get_data (G_OBJECT (pad), "sink");

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS || GST_EVENT_TYPE (event) == GST_EVENT_GAP)
    g_string_append_printf (sink->seen, "E%s ", GST_EVENT_TYPE_NAME (event));
  gst_event_unref (event);
  return TRUE;
}

static GstBufferList *
rtp_list (guint16 first, guint n, gboolean marker_at_end)
{
  GstBufferList *list = gst_buffer_list_new ();

  for (guint i = 0; i < n; i++)
    gst_buffer_list_add (list, rtp_packet (first + i, marker_at_end && i == n - 1));
  return list;
}

/* The frame bundle on the H.264 payloader (on-air-rtp-bundle.c): a
 * frame's packets, pushed one by one or in lists, leave as one list at
 * the marker; a frame that came as one list leaves as it came; events
 * wait for the packets before them; a flush drops a part frame; a stream
 * without markers still flows. */
static void
test_rtp_bundle (void)
{
  GstElement *bundle = gst_object_ref_sink (on_air_rtp_bundle_new ());
  g_autoptr(GstPad) in = gst_pad_new ("in", GST_PAD_SRC);
  g_autoptr(GstPad) out = gst_pad_new ("out", GST_PAD_SINK);
  g_autoptr(GstPad) bundle_sink = gst_element_get_static_pad (bundle, "sink");
  g_autoptr(GstPad) bundle_src = gst_element_get_static_pad (bundle, "src");
  g_autoptr(GstCaps) caps = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000");
  GstSegment segment;
  BundleSink sink = { g_string_new (NULL) };
  guint16 seq = 100;

  g_object_set_data (G_OBJECT (out), "sink", &sink);
  gst_pad_set_chain_function (out, bundle_sink_chain);
  gst_pad_set_chain_list_function (out, bundle_sink_chain_list);
  gst_pad_set_event_function (out, bundle_sink_event);
  g_assert_cmpint (gst_pad_link (in, bundle_sink), ==, GST_PAD_LINK_OK);
  g_assert_cmpint (gst_pad_link (bundle_src, out), ==, GST_PAD_LINK_OK);
  gst_pad_set_active (out, TRUE);
  gst_pad_set_active (in, TRUE);
  g_assert_cmpint (gst_element_set_state (bundle, GST_STATE_PLAYING), ==, GST_STATE_CHANGE_SUCCESS);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  g_assert_true (gst_pad_push_event (in, gst_event_new_stream_start ("rtp")));
  g_assert_true (gst_pad_push_event (in, gst_event_new_caps (caps)));
  g_assert_true (gst_pad_push_event (in, gst_event_new_segment (&segment)));

  /* Three NAL units pushed one at a time, the last with the marker. */
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  g_assert_cmpstr (sink.seen->str, ==, "");
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, TRUE)), ==, GST_FLOW_OK);
  g_assert_cmpstr (sink.seen->str, ==, "L100-102 ");
  /* A list of fragments, then a small NAL unit and a list of fragments. */
  g_assert_cmpint (gst_pad_push_list (in, rtp_list (seq, 4, TRUE)), ==, GST_FLOW_OK);
  seq += 4;
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_pad_push_list (in, rtp_list (seq, 3, FALSE)), ==, GST_FLOW_OK);
  seq += 3;
  g_assert_cmpint (gst_pad_push_list (in, rtp_list (seq, 2, TRUE)), ==, GST_FLOW_OK);
  seq += 2;
  /* A frame of one packet. */
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, TRUE)), ==, GST_FLOW_OK);
  g_assert_cmpstr (sink.seen->str, ==, "L100-102 L103-106 L107-112 B113 ");

  /* An event goes after the part frame before it. */
  g_string_truncate (sink.seen, 0);
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  g_assert_true (gst_pad_push_event (in, gst_event_new_gap (0, GST_SECOND)));
  g_assert_cmpstr (sink.seen->str, ==, "L114-115 Egap ");

  /* A flush drops a part frame. */
  g_string_truncate (sink.seen, 0);
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  g_assert_true (gst_pad_push_event (in, gst_event_new_flush_start ()));
  g_assert_true (gst_pad_push_event (in, gst_event_new_flush_stop (FALSE)));
  g_assert_true (gst_pad_push_event (in, gst_event_new_segment (&segment)));
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, TRUE)), ==, GST_FLOW_OK);
  g_assert_cmpstr (sink.seen->str, ==, "B117 ");

  /* No markers at all: 512 packets a list. */
  g_string_truncate (sink.seen, 0);
  for (guint i = 0; i < 600; i++)
    g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  g_assert_cmpstr (sink.seen->str, ==, "L118-629 ");
  g_assert_true (gst_pad_push_event (in, gst_event_new_eos ()));
  g_assert_cmpstr (sink.seen->str, ==, "L118-629 L630-717 Eeos ");

  /* A part frame at a stop is dropped (no leak under the sanitizer). */
  g_assert_true (gst_pad_push_event (in, gst_event_new_flush_start ()));
  g_assert_true (gst_pad_push_event (in, gst_event_new_flush_stop (TRUE)));
  g_assert_true (gst_pad_push_event (in, gst_event_new_segment (&segment)));
  g_assert_cmpint (gst_pad_push (in, rtp_packet (seq++, FALSE)), ==, GST_FLOW_OK);
  gst_element_set_state (bundle, GST_STATE_NULL);
  gst_pad_set_active (in, FALSE);
  gst_pad_set_active (out, FALSE);
  gst_object_unref (bundle);
  g_string_free (sink.seen, TRUE);
}

/* The tests' logging (test_init_logging()): the one critical GStreamer's
 * rtpsession gives by itself is a message; any other critical, through
 * g_log() or structured logging, still ends the test program. */
static void
test_logging_rtpsession_race (void)
{
  if (g_test_subprocess ())
    {
      g_log ("GLib", G_LOG_LEVEL_CRITICAL, "%s",
             "g_hash_table_foreach: assertion 'version == hash_table->version' failed");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*version == hash_table->version*");
}

static void
test_logging_other_critical (void)
{
  if (g_test_subprocess ())
    {
      g_log ("GLib", G_LOG_LEVEL_CRITICAL, "%s", "g_hash_table_insert: assertion 'hash_table != NULL' failed");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
}

static void
test_logging_structured_critical (void)
{
  if (g_test_subprocess ())
    {
      g_log_structured ("Gtk", G_LOG_LEVEL_CRITICAL, "MESSAGE", "%s",
                        "g_hash_table_foreach: assertion 'version == hash_table->version' failed");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
}

/* Who set up, in which order, and who was dropped from the line. */
typedef struct
{
  GString *log;
  char     name;
} TurnTaker;

static void
turn_start (gpointer data)
{
  TurnTaker *t = data;

  g_string_append_printf (t->log, "%c+", t->name);
}

static void
turn_drop (gpointer data)
{
  TurnTaker *t = data;

  g_string_append_printf (t->log, "%c-", t->name);
}

typedef struct
{
  GString    *log;
  const char *want;
} LogWait;

static gboolean
log_is (gpointer data)
{
  LogWait *w = data;

  return strcmp (w->log->str, w->want) == 0;
}

/* Two at once, the rest in the order they came; one that leaves the line
 * is dropped, never started; a setup held too long gives its turn up; one
 * that waited too long starts without a turn. */
static void
test_setup_turns (void)
{
  g_autoptr(GString) log = g_string_new (NULL);
  TurnTaker t[5];
  OnAirSetupTurn *turn[5];
  OnAirSetupTurns *turns = on_air_setup_turns_new (2, 60000, 60000);

  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    t[i] = (TurnTaker) { log, 'a' + i };
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    turn[i] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[i]);
  g_assert_cmpstr (log->str, ==, "a+b+");
  g_assert_cmpuint (on_air_setup_turns_get_running (turns), ==, 2);
  g_assert_cmpuint (on_air_setup_turns_get_waiting (turns), ==, 3);

  /* c leaves the line: dropped, and d is still next. */
  on_air_setup_turn_leave (turns, turn[2]);
  g_assert_cmpstr (log->str, ==, "a+b+c-");
  on_air_setup_turn_leave (turns, turn[1]);
  g_assert_cmpstr (log->str, ==, "a+b+c-d+");
  on_air_setup_turn_leave (turns, turn[0]);
  g_assert_cmpstr (log->str, ==, "a+b+c-d+e+");
  g_assert_cmpuint (on_air_setup_turns_get_waiting (turns), ==, 0);
  on_air_setup_turn_leave (turns, turn[3]);
  on_air_setup_turn_leave (turns, turn[4]);
  g_assert_cmpuint (on_air_setup_turns_get_running (turns), ==, 0);
  on_air_setup_turns_free (turns);

  /* One turn, held at most 100 ms: b starts when a's hold is over, though
   * a has not left yet; a leaving later changes nothing. */
  g_string_truncate (log, 0);
  turns = on_air_setup_turns_new (1, 100, 60000);
  turn[0] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[0]);
  turn[1] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[1]);
  g_assert_cmpstr (log->str, ==, "a+");
  g_assert_true (test_wait_until (log_is, &(LogWait) { log, "a+b+" }, 5000));
  g_assert_cmpuint (on_air_setup_turns_get_running (turns), ==, 1);
  on_air_setup_turn_leave (turns, turn[0]);
  g_assert_cmpuint (on_air_setup_turns_get_running (turns), ==, 1);
  on_air_setup_turn_leave (turns, turn[1]);
  g_assert_cmpuint (on_air_setup_turns_get_running (turns), ==, 0);
  on_air_setup_turns_free (turns);

  /* One turn held for good: b and c, having waited 100 ms, start anyway.
   * Then d takes the free turn and e waits; everyone in line leaves it
   * when the server stops, and nobody starts. */
  g_string_truncate (log, 0);
  turns = on_air_setup_turns_new (1, 60000, 100);
  turn[0] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[0]);
  turn[1] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[1]);
  turn[2] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[2]);
  g_assert_true (test_wait_until (log_is, &(LogWait) { log, "a+b+c+" }, 5000));
  g_assert_cmpuint (on_air_setup_turns_get_running (turns), ==, 3);
  for (guint i = 0; i < 3; i++)
    on_air_setup_turn_leave (turns, turn[i]);
  turn[3] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[3]);
  turn[4] = on_air_setup_turns_enter (turns, turn_start, turn_drop, &t[4]);
  g_assert_cmpstr (log->str, ==, "a+b+c+d+");
  g_assert_cmpuint (on_air_setup_turns_get_waiting (turns), ==, 1);
  on_air_setup_turns_drop_waiting (turns);
  g_assert_cmpstr (log->str, ==, "a+b+c+d+e-");
  on_air_setup_turn_leave (turns, turn[3]);
  g_assert_cmpstr (log->str, ==, "a+b+c+d+e-");
  test_spin (300); /* e's wait would have been over */
  g_assert_cmpstr (log->str, ==, "a+b+c+d+e-");
  on_air_setup_turns_free (turns);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/engine/source-spec", test_source_spec);
  g_test_add_func ("/engine/retired-webrtcbins", test_retired_webrtcbins);
  g_test_add_func ("/engine/rtp-bundle", test_rtp_bundle);
  g_test_add_func ("/engine/setup-turns", test_setup_turns);
  g_test_add_func ("/logging/rtpsession-race", test_logging_rtpsession_race);
  g_test_add_func ("/logging/other-critical", test_logging_other_critical);
  g_test_add_func ("/logging/structured-critical", test_logging_structured_critical);
  g_test_add_func ("/engine/tokens", test_tokens);
  g_test_add_func ("/engine/lan-urls", test_lan_urls);
  g_test_add_func ("/engine/broadcast-jpeg", test_broadcast_jpeg);
  g_test_add_func ("/engine/broadcast-preview", test_broadcast_preview);
  g_test_add_func ("/engine/camera-caps", test_camera_caps);
  g_test_add_func ("/engine/auto-without-camera", test_auto_without_camera);
  g_test_add_func ("/engine/missing-camera", test_missing_camera);
  return g_test_run ();
}
