/* test-audio.c: sound from the test source to webrtcbin viewers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "on-air-audio.h"
#include "on-air-broadcast.h"
#include "fixtures/rtsp-fixture.h"
#include "test-util.h"
#include "whep-audio.h"
#include "whep-client.h"

#define OPUS_PT 111

typedef struct
{
  WhepViewer *viewer;
  guint64     samples;
  guint       clicks;
} HearWait;

static gboolean
heard_enough (gpointer data)
{
  HearWait *w = data;
  WhepAudioStats stats;

  whep_audio_get_stats (whep_viewer_get_audio (w->viewer), &stats);
  return stats.samples >= w->samples && stats.clicks >= w->clicks;
}

/* Waits until @viewer decoded @samples and heard @clicks. */
static gboolean
wait_heard (WhepViewer *viewer, guint64 samples, guint clicks, guint timeout_ms)
{
  HearWait w = { viewer, samples, clicks };

  return test_wait_until (heard_enough, &w, timeout_ms);
}

static JsonObject *
get_audio_status (TestServer *ts, JsonParser *parser)
{
  g_autofree char *url = test_server_url (ts, "/api/status");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, TEST_TOKEN);
  JsonObject *root;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (root, "audio"));
  return json_object_get_object_member (root, "audio");
}

static void
delete_session (TestServer *ts, const char *location)
{
  g_autofree char *url = test_server_url (ts, location);
  g_autoptr(TestResponse) r = test_http ("DELETE", url, NULL, NULL, 0, TEST_TOKEN);

  g_assert_cmpuint (r->status, ==, 200);
}

static void
test_tone_shared (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  GstElement *pipeline;
  g_autoptr(WhepViewer) a = whep_viewer_new ("H264", TRUE);
  g_autoptr(WhepViewer) b = whep_viewer_new ("H264", TRUE);
  g_autoptr(WhepViewer) video_only = whep_viewer_new ("H264", FALSE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *loc_a = NULL;
  g_autofree char *loc_b = NULL;
  g_autofree char *loc_v = NULL;
  JsonObject *audio;
  WhepAudioStats stats;

  g_assert_true (test_server_wait_live (ts, 10000));
  pipeline = on_air_broadcast_get_pipeline (ts->broadcast);
  audio = get_audio_status (ts, parser);
  g_assert_cmpstr (json_object_get_string_member (audio, "state"), ==, "live");
  g_assert_cmpstr (json_object_get_string_member (audio, "codec"), ==, "opus");
  g_assert_false (json_object_get_boolean_member (audio, "muted"));
  g_assert_false (json_object_get_boolean_member (audio, "sharing"));

  /* A viewer without audio in its offer: video only, no Opus encoder. */
  loc_v = test_whep_connect (ts, video_only);
  g_assert_true (test_whep_wait_frames (video_only, 10, 15000));
  g_assert_cmpuint (test_count_factory (pipeline, "opusenc"), ==, 0);
  g_assert_cmpuint (test_count_factory (pipeline, "rtpopuspay"), ==, 0);

  whep_viewer_want_audio (a, OPUS_PT, 0);
  whep_viewer_want_audio (b, OPUS_PT, 0);
  loc_a = test_whep_connect (ts, a);
  loc_b = test_whep_connect (ts, b);
  g_assert_true (wait_heard (a, 48000, 2, 15000));
  g_assert_true (wait_heard (b, 48000, 2, 15000));

  /* One Opus encoder and one payloader serve both. */
  g_assert_cmpuint (test_count_factory (pipeline, "opusenc"), ==, 1);
  g_assert_cmpuint (test_count_factory (pipeline, "rtpopuspay"), ==, 1);

  /* Both hear the test tone. */
  for (guint i = 0; i < 2; i++)
    {
      whep_audio_get_stats (whep_viewer_get_audio (i ? b : a), &stats);
      g_test_message ("viewer %u: %.1f Hz, %u clicks, A/V %+.1f ms, audio %.0f ms, video %.0f ms late", i,
                      stats.tone_hz, stats.clicks, stats.av_offset_p50_ms, stats.audio_latency_p50_ms,
                      stats.video_latency_p50_ms);
      g_assert_cmpfloat (fabs (stats.tone_hz - 440), <, 25);
      g_assert_cmpuint (stats.video_stamps, >, 0);
    }
  g_clear_object (&parser);
  parser = json_parser_new ();
  audio = get_audio_status (ts, parser);
  g_assert_true (json_object_get_boolean_member (audio, "sharing"));
  g_assert_cmpfloat (json_object_get_double_member (audio, "level"), >, 0.1);

  /* Mute: both go silent; unmute: the tone is back. */
  on_air_broadcast_set_audio_muted (ts->broadcast, TRUE);
  g_assert_true (test_wait_until (whep_viewer_is_silent, a, 5000));
  g_assert_true (test_wait_until (whep_viewer_is_silent, b, 5000));
  on_air_broadcast_set_audio_muted (ts->broadcast, FALSE);
  g_assert_true (test_wait_until (whep_viewer_is_loud, a, 5000));
  g_assert_true (test_wait_until (whep_viewer_is_loud, b, 5000));

  /* The viewers that took sound leave: the encoder stops. */
  delete_session (ts, loc_a);
  delete_session (ts, loc_b);
  g_assert_cmpuint (test_count_factory (pipeline, "opusenc"), ==, 0);
  g_assert_cmpuint (test_count_factory (pipeline, "rtpopuspay"), ==, 0);
  g_assert_true (test_whep_wait_frames (video_only, 10, 10000));
  test_server_free (ts);
}

/* An RTSP camera with a sound track of @codec: its Opus goes through
 * untouched, anything else is decoded and encoded once. */
static void
test_rtsp_sound (gconstpointer data)
{
  const char *codec = data;
  gboolean passthrough = g_str_equal (codec, "opus");
  g_autoptr(GError) error = NULL;
  g_autoptr(RtspFixture) fixture = NULL;
  g_autofree char *launch = rtsp_fixture_launch_with_audio (30, codec);
  g_autofree char *url = NULL;
  g_autofree char *loc = NULL;
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", FALSE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  TestServer *ts;
  GstElement *pipeline;
  JsonObject *audio;
  WhepAudioStats stats;

  g_setenv ("RTSP_FIXTURE_LAUNCH", launch, TRUE);
  fixture = rtsp_fixture_new (NULL, NULL, &error);
  g_unsetenv ("RTSP_FIXTURE_LAUNCH");
  g_assert_no_error (error);
  url = rtsp_fixture_get_url (fixture, FALSE);
  ts = test_server_new (url, TEST_TOKEN, 10);
  g_assert_true (test_server_wait_live (ts, 15000));
  pipeline = on_air_broadcast_get_pipeline (ts->broadcast);

  whep_viewer_want_audio (viewer, OPUS_PT, 0);
  loc = test_whep_connect (ts, viewer);
  g_assert_true (wait_heard (viewer, 48000, 0, 15000));
  /* The tone from here on, not the start of the stream. */
  whep_audio_reset (whep_viewer_get_audio (viewer));
  g_assert_true (wait_heard (viewer, 2 * 48000, 0, 15000));
  whep_audio_get_stats (whep_viewer_get_audio (viewer), &stats);
  g_test_message ("%s camera: %.1f Hz heard", codec, stats.tone_hz);
  g_assert_cmpfloat (fabs (stats.tone_hz - 440), <, 25);

  audio = get_audio_status (ts, parser);
  g_assert_cmpstr (json_object_get_string_member (audio, "state"), ==, "live");
  g_assert_cmpstr (json_object_get_string_member (audio, "source_codec"), ==, codec);
  g_assert_cmpint (json_object_get_boolean_member (audio, "passthrough"), ==, passthrough);
  /* Passed through: no Opus encoder; otherwise exactly one. */
  g_assert_cmpuint (test_count_factory (pipeline, "opusenc"), ==, passthrough ? 0 : 1);
  g_assert_cmpuint (test_count_factory (pipeline, "opusdec"), ==, 0);
  test_server_free (ts);
}

/* A webcam with a microphone: viewers hear the microphone (the fake
 * one's 660 Hz, not the test tone's 440). Pulled out: the same session
 * goes on with the slate and silence. */
static void
test_webcam_microphone (void)
{
  g_autofree char *id = test_fakecam_plug_with_microphone ("mic", "Mic Camera", 0xff2060e0, 660);
  TestServer *ts = test_server_new (id, TEST_TOKEN, 10);
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", TRUE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *loc = NULL;
  JsonObject *audio;
  WhepAudioStats stats;

  g_assert_true (test_server_wait_live (ts, 15000));
  whep_viewer_want_audio (viewer, OPUS_PT, 0);
  loc = test_whep_connect (ts, viewer);
  g_assert_true (wait_heard (viewer, 48000, 0, 15000));
  whep_audio_reset (whep_viewer_get_audio (viewer));
  g_assert_true (wait_heard (viewer, 2 * 48000, 0, 15000));
  whep_audio_get_stats (whep_viewer_get_audio (viewer), &stats);
  g_test_message ("webcam microphone: %.1f Hz heard", stats.tone_hz);
  g_assert_cmpfloat (fabs (stats.tone_hz - 660), <, 25);
  audio = get_audio_status (ts, parser);
  g_assert_cmpstr (json_object_get_string_member (audio, "state"), ==, "live");
  g_assert_nonnull (strstr (json_object_get_string_member (audio, "source"), "Mic Camera"));

  /* Unplugged: the slate, silence, the same session. */
  test_fakecam_unplug ("mic");
  g_assert_true (test_broadcast_wait_state (ts->broadcast, ON_AIR_SOURCE_STATE_FAILED, 10000));
  g_assert_true (test_wait_until (whep_viewer_is_silent, viewer, 5000));
  /* The sound goes on (DTX: a frame of silence now and then). */
  whep_audio_get_stats (whep_viewer_get_audio (viewer), &stats);
  g_assert_true (wait_heard (viewer, stats.samples + 960, 0, 5000));
  g_assert_true (test_whep_wait_frames (viewer, 10, 10000));
  g_clear_object (&parser);
  parser = json_parser_new ();
  audio = get_audio_status (ts, parser);
  g_assert_cmpstr (json_object_get_string_member (audio, "state"), ==, "silence");
  g_assert_true (json_object_get_boolean_member (audio, "sharing"));
  delete_session (ts, loc);
  test_server_free (ts);
}

/* A webcam without a microphone: silence, and the camera plays on. */
static void
test_webcam_without_microphone (void)
{
  g_autofree char *id = test_fakecam_plug ("quiet", "Quiet Camera", "uvc", 0xffe08020);
  TestServer *ts = test_server_new (id, TEST_TOKEN, 10);
  g_autoptr(WhepViewer) viewer = whep_viewer_new ("H264", TRUE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *loc = NULL;
  JsonObject *audio;

  g_assert_true (test_server_wait_live (ts, 15000));
  whep_viewer_want_audio (viewer, OPUS_PT, 0);
  loc = test_whep_connect (ts, viewer);
  /* Silence, sent with DTX: a frame now and then. */
  g_assert_true (wait_heard (viewer, 2 * 960, 0, 15000));
  g_assert_true (test_wait_until (whep_viewer_is_silent, viewer, 5000));
  g_assert_true (test_whep_wait_frames (viewer, 10, 10000));
  audio = get_audio_status (ts, parser);
  g_assert_cmpstr (json_object_get_string_member (audio, "state"), ==, "silence");
  g_assert_cmpint (on_air_broadcast_get_state (ts->broadcast), ==, ON_AIR_SOURCE_STATE_LIVE);
  test_server_free (ts);
  test_fakecam_unplug ("quiet");
}

int
main (int argc, char **argv)
{
  int status;

  test_fakecam_setup ();
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();
  g_test_add_func ("/audio/webcam-microphone", test_webcam_microphone);
  g_test_add_func ("/audio/webcam-without-microphone", test_webcam_without_microphone);
  g_test_add_func ("/audio/tone-shared", test_tone_shared);
  g_test_add_data_func ("/audio/rtsp-opus-passthrough", "opus", test_rtsp_sound);
  g_test_add_data_func ("/audio/rtsp-pcma-transcoded", "pcma", test_rtsp_sound);
  if (gst_registry_check_feature_version (gst_registry_get (), "avenc_aac", 1, 0, 0))
    g_test_add_data_func ("/audio/rtsp-aac-transcoded", "aac", test_rtsp_sound);
  status = g_test_run ();
  test_fakecam_teardown ();
  return status;
}
