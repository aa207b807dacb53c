/* test-webrtc.c: WHEP and JSON signalling against real webrtcbin viewers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "on-air-broadcast.h"
#include "on-air-server-private.h"
#include "test-util.h"
#include "whep-client.h"

static JsonObject *
get_status (TestServer *ts, JsonParser *parser)
{
  g_autofree char *url = test_server_url (ts, "/api/status");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, TEST_TOKEN);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

static guint
count_viewers (TestServer *ts, const char *kind)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *viewers = json_object_get_array_member (get_status (ts, parser), "viewers");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (viewers); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (viewers, i), "kind"), kind))
      n++;
  return n;
}

/* The largest stun-pacing-timer among the NiceAgents of the viewers'
 * webrtcbins in @pipeline (0 if none). */
static guint
max_stun_pacing (GstElement *pipeline)
{
  g_autoptr(GPtrArray) webrtcbins = test_find_factory (pipeline, "webrtcbin");
  guint max = 0;

  for (guint i = 0; i < webrtcbins->len; i++)
    {
      g_autoptr(GObject) ice = NULL;
      g_autoptr(GObject) agent = NULL;
      guint pace = 0;

      g_object_get (g_ptr_array_index (webrtcbins, i), "ice-agent", &ice, NULL);
      g_object_get (ice, "agent", &agent, NULL);
      g_object_get (agent, "stun-pacing-timer", &pace, NULL);
      max = MAX (max, pace);
    }
  return max;
}

static guint
gst_version_minor_at_runtime (void)
{
  guint major, minor, micro, nano;

  gst_version (&major, &minor, &micro, &nano);
  return minor;
}

static void
test_whep_two_viewers_share_encoder (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  g_autoptr(WhepViewer) a = whep_viewer_new ("H264", TRUE);
  g_autoptr(WhepViewer) b = whep_viewer_new ("H264", TRUE);
  g_autofree char *loc_a = NULL;
  g_autofree char *loc_b = NULL;
  g_autofree char *delete_url = NULL;
  g_autoptr(TestResponse) r = NULL;
  int w = 0, h = 0;

  g_assert_true (test_server_wait_live (ts, 10000));
  /* Nobody watches: no encoder runs. */
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);

  loc_a = test_whep_connect (ts, a);
  loc_b = test_whep_connect (ts, b);
  g_assert_true (test_whep_wait_frames (a, 30, 15000));
  g_assert_true (test_whep_wait_frames (b, 30, 15000));
  g_assert_true (whep_viewer_get_size (a, &w, &h));
  g_assert_cmpint (w, ==, 1280);
  g_assert_cmpint (h, ==, 720);

  /* One encoder serves both viewers. */
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  g_assert_cmpuint (count_viewers (ts, "webrtc"), ==, 2);

  /* webrtcbin's FEC and RED encoders, unused (the answer has neither) and
   * splitting each frame's packet list into single packets, are linked
   * around once a viewer is connected; the frames above went without.
   * The bypass knows webrtcbin 1.22's layout (Debian 12); on newer
   * GStreamer (the Flatpak's) it is not taken, which costs CPU only. */
  if (gst_version_minor_at_runtime () < 24)
    {
      g_assert_cmpuint (test_count_factory (on_air_broadcast_get_pipeline (ts->broadcast), "rtpulpfecenc"), ==, 0);
      g_assert_cmpuint (test_count_factory (on_air_broadcast_get_pipeline (ts->broadcast), "rtpredenc"), ==, 0);
    }
  /* libnice answers a browser's first check after 5 ms, not its default 20. */
  g_assert_cmpuint (max_stun_pacing (on_air_broadcast_get_pipeline (ts->broadcast)), ==, 5);

  delete_url = test_server_url (ts, loc_a);
  r = test_http ("DELETE", delete_url, NULL, NULL, 0, TEST_TOKEN);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpuint (count_viewers (ts, "webrtc"), ==, 1);
  g_clear_pointer (&r, test_response_free);

  /* Deleting again: the session is gone. */
  r = test_http ("DELETE", delete_url, NULL, NULL, 0, TEST_TOKEN);
  g_assert_cmpuint (r->status, ==, 404);

  /* The other viewer keeps receiving. */
  g_assert_true (test_whep_wait_frames (b, 15, 10000));

  /* A late joiner on the running encoder starts at once: it asks for a
   * keyframe instead of waiting for the next one (2 s apart). Several
   * joins, so that luck with the GOP cannot pass this. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(WhepViewer) c = whep_viewer_new ("H264", TRUE);
      g_autofree char *loc_c = test_whep_connect (ts, c);
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      g_assert_true (test_whep_wait_frames (c, 1, 5000));
      elapsed = g_get_monotonic_time () - start;
      g_test_message ("late joiner %u: first decoded frame after %" G_GINT64_FORMAT " ms", i, elapsed / 1000);
      g_assert_cmpint (elapsed, <, 1000 * 1000);
      test_spin (700);
    }

  test_server_free (ts);
}

/* A counter of /api/status for the viewer whose WHEP session is at
 * @location: frames_sent, or frames_dropped (how often its queue shed). */
static gint64
viewer_counter (TestServer *ts, const char *location, const char *name)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *viewers = json_object_get_array_member (get_status (ts, parser), "viewers");
  const char *id = strrchr (location, '/') + 1;

  for (guint i = 0; i < json_array_get_length (viewers); i++)
    {
      JsonObject *v = json_array_get_object_element (viewers, i);

      if (g_str_equal (json_object_get_string_member (v, "id"), id))
        return json_object_get_int_member (v, name);
    }
  g_assert_not_reached ();
}

#define viewer_packets_shed(ts, location) viewer_counter ((ts), (location), "frames_dropped")
#define viewer_frames_sent(ts, location) viewer_counter ((ts), (location), "frames_sent")

/* What a viewer gets first is the start of a keyframe (the one asked for
 * when its ICE came up), whole: its picture can start with the first
 * packet, and nothing before it was sent for nothing. Its queue sheds
 * nothing on the way (a fresh queue once shed its first packets as 'too
 * old': the keyframe, when it came first). Joins while another viewer
 * keeps the encoder mid-GOP, and the first one on a cold start. */
static void
test_viewer_starts_at_keyframe (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  g_autoptr(WhepViewer) first = whep_viewer_new ("H264", TRUE);
  g_autofree char *loc_first = NULL;
  gboolean known = FALSE;

  g_assert_true (test_server_wait_live (ts, 10000));
  loc_first = test_whep_connect (ts, first);
  g_assert_true (test_whep_wait_frames (first, 10, 15000));
  g_assert_true (whep_viewer_first_frame_is_keyframe (first, &known));
  g_assert_true (known);
  g_assert_cmpint (viewer_packets_shed (ts, loc_first), ==, 0);
  /* the status counts what the viewer got (the payloader's frames come
   * as lists of packets, which it once missed: always 0) */
  g_assert_cmpint (viewer_frames_sent (ts, loc_first), >=, 10);

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(WhepViewer) v = whep_viewer_new ("H264", TRUE);
      g_autofree char *loc = test_whep_connect (ts, v);
      g_autofree char *url = test_server_url (ts, loc);
      g_autoptr(TestResponse) r = NULL;

      g_assert_true (test_whep_wait_frames (v, 5, 5000));
      g_assert_true (whep_viewer_first_frame_is_keyframe (v, &known));
      g_assert_true (known);
      g_assert_cmpint (viewer_packets_shed (ts, loc), ==, 0);
      r = test_http ("DELETE", url, NULL, NULL, 0, TEST_TOKEN);
      g_assert_cmpuint (r->status, ==, 200);
      test_spin (300 + 170 * i); /* joins at different points of the GOP */
    }
  g_assert_cmpint (viewer_packets_shed (ts, loc_first), ==, 0);

  test_server_free (ts);
}

static void
test_json_offer_vp8 (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  g_autoptr(WhepViewer) v = whep_viewer_new ("VP8", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *url = test_server_url (ts, "/offer");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TestResponse) r = NULL;
  g_autofree char *body = NULL;
  JsonObject *reply;
  gboolean known = FALSE;

  g_assert_true (test_server_wait_live (ts, 10000));
  offer = whep_viewer_create_offer (v, &error);
  g_assert_no_error (error);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "offer");
  json_builder_set_member_name (builder, "sdp");
  json_builder_add_string_value (builder, offer);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (gen, root);
  body = json_generator_to_data (gen, NULL);

  r = test_http ("POST", url, "application/json", body, strlen (body), TEST_TOKEN);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (r->body, NULL),
                                             g_bytes_get_size (r->body), NULL));
  reply = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (reply, "type"), ==, "answer");
  g_assert_nonnull (json_object_get_string_member (reply, "session"));
  whep_viewer_set_answer (v, json_object_get_string_member (reply, "sdp"), &error);
  g_assert_no_error (error);
  g_assert_true (test_whep_wait_frames (v, 20, 15000));
  /* Its media started at a key frame, told from the VP8 payload. */
  g_assert_true (whep_viewer_first_frame_is_keyframe (v, &known));
  g_assert_true (known);

  test_server_free (ts);
}

static gboolean
no_webrtc_viewers (gpointer data)
{
  return count_viewers (data, "webrtc") == 0;
}

static void
test_vanished_viewer_removed (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  WhepViewer *v = whep_viewer_new ("H264", FALSE);
  g_autofree char *loc = NULL;
  gint64 start;

  g_assert_true (test_server_wait_live (ts, 10000));
  loc = test_whep_connect (ts, v);
  g_assert_true (test_whep_wait_frames (v, 10, 15000));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);

  /* The phone walks away: no DELETE, its packets just stop. */
  start = g_get_monotonic_time ();
  whep_viewer_free (v);
  g_assert_true (test_wait_until (no_webrtc_viewers, ts, 60000));
  g_test_message ("vanished viewer removed after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - start) / 1000);
  /* Its elements went with it, and with nobody left, the encoder too. */
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);

  test_server_free (ts);
}

static void
test_delete_before_connecting (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  g_autoptr(WhepViewer) v = whep_viewer_new ("H264", FALSE);
  g_autoptr(WhepViewer) other = whep_viewer_new ("H264", TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *url = test_server_url (ts, "/whep");
  g_autofree char *session = NULL;
  g_autoptr(TestResponse) r = NULL;
  g_autoptr(TestResponse) d = NULL;
  g_autofree char *loc_other = NULL;

  g_assert_true (test_server_wait_live (ts, 10000));
  loc_other = test_whep_connect (ts, other);
  g_assert_true (test_whep_wait_frames (other, 10, 15000));

  /* Offer and answer, but the viewer never applies the answer: its
   * webrtcbin on the server waits for DTLS that never comes. */
  offer = whep_viewer_create_offer (v, &error);
  g_assert_no_error (error);
  r = test_http ("POST", url, "application/sdp", offer, strlen (offer), TEST_TOKEN);
  g_assert_cmpuint (r->status, ==, 201);
  test_spin (1000);

  /* Leaving now must not hang the server. */
  session = test_server_url (ts, soup_message_headers_get_one (r->headers, "Location"));
  d = test_http ("DELETE", session, NULL, NULL, 0, TEST_TOKEN);
  g_assert_cmpuint (d->status, ==, 200);
  g_assert_cmpuint (count_viewers (ts, "webrtc"), ==, 1);
  g_assert_true (test_whep_wait_frames (other, 15, 5000));

  test_server_free (ts);
}

static GstPadProbeReturn
count_reconfigure_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_RECONFIGURE)
    g_atomic_int_inc ((gint *) user_data);
  return GST_PAD_PROBE_OK;
}

/* The elements of the viewers' webrtcbins that would wait for the clock
 * before sending (clocksync, nicesink with sync on). Every webrtcbin has
 * a nicesink; GStreamer 1.22's also have a clocksync behind each sink pad. */
static guint
count_synced_senders (GstElement *pipeline)
{
  const char *factories[] = { "clocksync", "nicesink" };
  guint n = 0;

  g_assert_cmpuint (test_count_factory (pipeline, "nicesink"), >, 0);
  for (guint f = 0; f < G_N_ELEMENTS (factories); f++)
    {
      g_autoptr(GPtrArray) found = test_find_factory (pipeline, factories[f]);

      for (guint i = 0; i < found->len; i++)
        {
          gboolean sync = FALSE;

          g_object_get (g_ptr_array_index (found, i), "sync", &sync, NULL);
          n += sync;
        }
    }
  return n;
}

static void
test_many_join_at_once (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 20);
  WhepViewer *viewers[6];
  char *locations[G_N_ELEMENTS (viewers)];
  GstElement *pipeline = on_air_broadcast_get_pipeline (ts->broadcast);
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GstPad) source_pad = NULL;
  g_autoptr(GstBus) bus = NULL;
  gint reconfigures = 0;

  g_assert_true (test_server_wait_live (ts, 10000));
  viewers[0] = whep_viewer_new ("H264", FALSE);
  locations[0] = test_whep_connect (ts, viewers[0]);
  g_assert_true (test_whep_wait_frames (viewers[0], 30, 15000));

  /* The encoder runs now, and viewers who join take the caps it has: the
   * source is not asked to negotiate again (each time it did, it stood
   * still in an ALLOCATION query until every queue had drained). */
  sources = test_find_factory (pipeline, "videotestsrc");
  g_assert_cmpuint (sources->len, ==, 1);
  source_pad = gst_element_get_static_pad (g_ptr_array_index (sources, 0), "src");
  gst_pad_add_probe (source_pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, count_reconfigure_probe, &reconfigures, NULL);

  /* Joining a payloader that already runs, one after the other, quickly:
   * each answer must send video, each viewer must play. */
  for (guint i = 1; i < G_N_ELEMENTS (viewers); i++)
    {
      viewers[i] = whep_viewer_new ("H264", FALSE);
      locations[i] = test_whep_connect (ts, viewers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (viewers); i++)
    g_assert_true (test_whep_wait_frames (viewers[i], 30, 15000));
  g_assert_cmpuint (count_viewers (ts, "webrtc"), ==, G_N_ELEMENTS (viewers));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&reconfigures), ==, 0);

  /* Each viewer's packets leave as they come, without waiting for the
   * clock plus a latency that every join changes. */
  g_assert_cmpuint (count_synced_senders (pipeline), ==, 0);

  /* The pipeline's bus queues only what the broadcast reads (errors and
   * warnings), not the thousands of state changes a burst of viewers
   * posts. */
  bus = gst_element_get_bus (pipeline);
  gst_element_post_message (pipeline, gst_message_new_application (GST_OBJECT (pipeline),
                                                                   gst_structure_new_empty ("on-air-test")));
  g_assert_null (gst_bus_peek (bus));

  for (guint i = 0; i < G_N_ELEMENTS (viewers); i++)
    {
      whep_viewer_free (viewers[i]);
      g_free (locations[i]);
    }
  test_server_free (ts);
}

/* A WHEP offer in flight; its answer is set as soon as it comes, as a
 * browser does. */
typedef struct
{
  WhepViewer *viewer;
  SoupMessage *msg;
  GCancellable *cancellable;
  gboolean done;
  guint status;
  char *location;
} Posted;

static void
on_offer_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Posted *p = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  p->done = TRUE;
  if (body == NULL)
    return; /* cancelled */
  p->status = soup_message_get_status (p->msg);
  if (p->status == SOUP_STATUS_CREATED)
    {
      g_autofree char *answer = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

      p->location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (p->msg), "Location"));
      g_assert_true (whep_viewer_set_answer (p->viewer, answer, NULL));
    }
}

static void
post_offer (TestServer *ts, SoupSession *session, Posted *p)
{
  g_autofree char *offer = whep_viewer_create_offer (p->viewer, NULL);
  g_autofree char *url = test_server_url (ts, "/whep");
  g_autoptr(GBytes) bytes = NULL;

  g_assert_nonnull (offer);
  bytes = g_bytes_new (offer, strlen (offer));
  p->msg = soup_message_new ("POST", url);
  soup_message_set_request_body_from_bytes (p->msg, "application/sdp", bytes);
  soup_message_headers_replace (soup_message_get_request_headers (p->msg), "Authorization", "Bearer " TEST_TOKEN);
  p->cancellable = g_cancellable_new ();
  soup_session_send_and_read_async (session, p->msg, G_PRIORITY_DEFAULT, p->cancellable, on_offer_answered, p);
}

static void
posted_clear (Posted *p)
{
  g_clear_object (&p->msg);
  g_clear_object (&p->cancellable);
  g_clear_pointer (&p->location, g_free);
  g_clear_pointer (&p->viewer, whep_viewer_free);
}

typedef struct
{
  OnAirSetupTurns *turns;
  guint most_running;
  guint most_waiting;
} TurnWatch;

static gboolean
watch_turns (gpointer data)
{
  TurnWatch *w = data;

  w->most_running = MAX (w->most_running, on_air_setup_turns_get_running (w->turns));
  w->most_waiting = MAX (w->most_waiting, on_air_setup_turns_get_waiting (w->turns));
  return G_SOURCE_CONTINUE;
}

static gboolean
posted_done (gpointer data)
{
  return ((Posted *) data)->done;
}

static gboolean
all_posted (gpointer data)
{
  Posted *p = data;

  for (; p->viewer != NULL; p++)
    if (!p->done)
      return FALSE;
  return TRUE;
}

/* A class scans the QR code at once: six offers together, two turns to
 * set up. Never more than two set up at once, the others wait in line
 * (their requests held, not refused), and every one is answered and
 * plays. */
static void
test_burst_waits_its_turn (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 20);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns-per-host", 16, "timeout", 30, NULL);
  Posted posted[7] = { 0 };
  TurnWatch watch = { 0 };
  guint watcher;

  g_assert_true (test_server_wait_live (ts, 10000));
  _on_air_server_set_setup_turns (ts->server, 2, 60000, 60000);
  watch.turns = ts->server->setup_turns;
  watcher = g_timeout_add (2, watch_turns, &watch);

  for (guint i = 0; i < 6; i++)
    {
      posted[i].viewer = whep_viewer_new ("H264", FALSE);
      post_offer (ts, session, &posted[i]);
    }
  g_assert_true (test_wait_until (all_posted, posted, 30000));
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpuint (posted[i].status, ==, SOUP_STATUS_CREATED);
      g_assert_true (test_whep_wait_frames (posted[i].viewer, 15, 15000));
    }
  g_source_remove (watcher);
  g_assert_cmpuint (watch.most_running, ==, 2);
  g_assert_cmpuint (watch.most_waiting, >=, 1);
  g_assert_cmpuint (on_air_setup_turns_get_running (ts->server->setup_turns), ==, 0);
  g_assert_cmpuint (on_air_setup_turns_get_waiting (ts->server->setup_turns), ==, 0);
  g_assert_cmpuint (count_viewers (ts, "webrtc"), ==, 6);

  for (guint i = 0; i < 6; i++)
    posted_clear (&posted[i]);
  test_server_free (ts);
}

static gboolean
turns_waiting_is (gpointer data)
{
  TestServer *ts = ((gpointer *) data)[0];
  guint want = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return on_air_setup_turns_get_waiting (ts->server->setup_turns) == want;
}

/* One turn, held by a viewer that never uses its answer. One behind it
 * hangs up while it waits: it leaves the line and gives its viewer slot
 * back, and nothing else changes. The holder leaves (DELETE): the next in
 * line gets its turn, its answer, and plays. */
static void
test_setup_turn_hangup (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 20);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns-per-host", 16, "timeout", 30, NULL);
  Posted holder = { 0 }, quitter = { 0 }, next = { 0 };
  WhepViewer *unused;
  g_autofree char *url = NULL;
  g_autoptr(TestResponse) r = NULL;

  g_assert_true (test_server_wait_live (ts, 10000));
  _on_air_server_set_setup_turns (ts->server, 1, 60000, 60000);

  /* Its answer goes to a viewer that is freed unused: ICE never comes. */
  holder.viewer = whep_viewer_new ("H264", FALSE);
  unused = whep_viewer_new ("H264", FALSE);
  {
    g_autofree char *offer = whep_viewer_create_offer (holder.viewer, NULL);
    g_autofree char *whep = test_server_url (ts, "/whep");
    g_autoptr(TestResponse) answered = test_http ("POST", whep, "application/sdp", offer, strlen (offer), TEST_TOKEN);

    g_assert_cmpuint (answered->status, ==, SOUP_STATUS_CREATED);
    holder.location = g_strdup (soup_message_headers_get_one (answered->headers, "Location"));
  }
  whep_viewer_free (g_steal_pointer (&holder.viewer));
  whep_viewer_free (unused);
  g_assert_cmpuint (on_air_setup_turns_get_running (ts->server->setup_turns), ==, 1);

  quitter.viewer = whep_viewer_new ("H264", FALSE);
  post_offer (ts, session, &quitter);
  g_assert_true (test_wait_until (turns_waiting_is, (gpointer[]) { ts, GUINT_TO_POINTER (1) }, 10000));
  g_assert_cmpuint (g_hash_table_size (ts->server->peers), ==, 2);
  g_cancellable_cancel (quitter.cancellable);
  g_assert_true (test_wait_until (turns_waiting_is, (gpointer[]) { ts, GUINT_TO_POINTER (0) }, 10000));
  g_assert_cmpuint (g_hash_table_size (ts->server->peers), ==, 1);
  g_assert_cmpuint (on_air_setup_turns_get_running (ts->server->setup_turns), ==, 1);

  next.viewer = whep_viewer_new ("H264", FALSE);
  post_offer (ts, session, &next);
  g_assert_true (test_wait_until (turns_waiting_is, (gpointer[]) { ts, GUINT_TO_POINTER (1) }, 10000));
  test_spin (200);
  g_assert_false (next.done);

  url = test_server_url (ts, holder.location);
  r = test_http ("DELETE", url, NULL, NULL, 0, TEST_TOKEN);
  g_assert_cmpuint (r->status, ==, SOUP_STATUS_OK);
  g_assert_true (test_wait_until (posted_done, &next, 30000));
  g_assert_cmpuint (next.status, ==, SOUP_STATUS_CREATED);
  g_assert_true (test_whep_wait_frames (next.viewer, 15, 15000));
  g_assert_cmpuint (count_viewers (ts, "webrtc"), ==, 1);

  posted_clear (&quitter);
  posted_clear (&next);
  posted_clear (&holder);
  test_server_free (ts);
}

static GstPadProbeReturn
stall_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_OK; /* blocks while installed */
}

/* The server's thread for one viewer stalls (a busy machine) past what
 * its queue holds, and the queue sheds. What follows the shed refers to
 * frames the viewer never got, cannot be resent and cannot be shown: the
 * viewer's packets start again at a keyframe, which comes at once (not at
 * the end of the encoder's 2-s GOP, nor when the browser thinks of asking:
 * Chromium sometimes never did). A viewer beside it sheds nothing. */
static void
test_shed_resumes_at_keyframe (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);
  g_autoptr(WhepViewer) stalled = whep_viewer_new ("H264", FALSE);
  g_autoptr(WhepViewer) other = whep_viewer_new ("H264", FALSE);
  g_autofree char *loc_stalled = NULL;
  g_autofree char *loc_other = NULL;
  g_autoptr(GPtrArray) webrtcbins = NULL;
  g_autoptr(GstPad) sink = NULL;
  g_autoptr(GstPad) queue_src = NULL;
  guint64 frames;
  guint gaps = 0;
  gulong stall;

  g_assert_true (test_server_wait_live (ts, 10000));
  loc_stalled = test_whep_connect (ts, stalled);
  g_assert_true (test_whep_wait_frames (stalled, 30, 15000));
  webrtcbins = test_find_factory (on_air_broadcast_get_pipeline (ts->broadcast), "webrtcbin");
  g_assert_cmpuint (webrtcbins->len, ==, 1);
  sink = gst_element_get_static_pad (g_ptr_array_index (webrtcbins, 0), "sink_0");
  queue_src = gst_pad_get_peer (sink);
  g_assert_nonnull (queue_src);
  loc_other = test_whep_connect (ts, other);
  g_assert_true (test_whep_wait_frames (other, 30, 15000));

  /* Mid-GOP: the encoder's next keyframe of its own is up to 2 s away. */
  test_spin (700);
  stall = gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM,
                             stall_probe, NULL, NULL);
  test_spin (800);
  gst_pad_remove_probe (queue_src, stall);
  frames = whep_viewer_get_frames (stalled);
  g_assert_true (test_whep_wait_frames (stalled, frames + 30, 5000));

  g_assert_cmpint (viewer_packets_shed (ts, loc_stalled), >, 0);
  g_assert_cmpuint (whep_viewer_get_undecodable_frames (stalled, &gaps), ==, 0);
  g_assert_cmpuint (gaps, >, 0);
  g_assert_cmpint (viewer_packets_shed (ts, loc_other), ==, 0);
  g_assert_cmpuint (whep_viewer_get_undecodable_frames (other, &gaps), ==, 0);
  g_assert_cmpuint (gaps, ==, 0);

  test_server_free (ts);
}

static guint
get_page (TestServer *ts, const char *bearer)
{
  g_autofree char *url = test_server_url (ts, "/");
  g_autoptr(TestResponse) r = test_http ("GET", url, NULL, NULL, 0, bearer);

  return r->status;
}

static gboolean
no_encoder (gpointer data)
{
  return on_air_broadcast_count_encoders (data) == 0;
}

/* Opening the page starts the H.264 encoder, so a phone's offer finds it
 * running; nobody else can make it run, and it does not outstay its use. */
static void
test_page_warms_encoder (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 1);
  g_autoptr(WhepViewer) v = whep_viewer_new ("H264", TRUE);
  g_autoptr(WhepViewer) vp8 = whep_viewer_new ("VP8", TRUE);
  g_autofree char *loc = NULL;
  g_autofree char *delete_url = NULL;
  g_autoptr(TestResponse) r = NULL;
  gint64 start;

  g_assert_true (test_server_wait_live (ts, 10000));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);

  /* Without the access code the page loads (to ask for it), nothing starts. */
  g_assert_cmpuint (get_page (ts, NULL), ==, 200);
  test_spin (300);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 0);

  /* With it, the encoder runs before any offer. */
  g_assert_cmpuint (get_page (ts, TEST_TOKEN), ==, 200);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);

  /* The viewer takes over the encoder: no second one, and it stops as soon
   * as the viewer leaves instead of seconds later. */
  start = g_get_monotonic_time ();
  loc = test_whep_connect (ts, v);
  g_assert_true (test_whep_wait_frames (v, 1, 5000));
  g_test_message ("first decoded frame %" G_GINT64_FORMAT " ms after the offer on a warm encoder",
                  (g_get_monotonic_time () - start) / 1000);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  delete_url = test_server_url (ts, loc);
  r = test_http ("DELETE", delete_url, NULL, NULL, 0, TEST_TOKEN);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (test_wait_until (no_encoder, ts->broadcast, 1000));

  /* A page that never offers (a browser without WebRTC) keeps it a few
   * seconds only. */
  g_assert_cmpuint (get_page (ts, TEST_TOKEN), ==, 200);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  test_spin (2000);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  g_assert_true (test_wait_until (no_encoder, ts->broadcast, 6000));

  /* A full server (one viewer allowed, a VP8 one watching) starts no
   * H.264 encoder for a page that could not join. */
  g_clear_pointer (&loc, g_free);
  loc = test_whep_connect (ts, vp8);
  g_assert_true (test_whep_wait_frames (vp8, 1, 10000));
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);
  g_assert_cmpuint (get_page (ts, TEST_TOKEN), ==, 200);
  test_spin (300);
  g_assert_cmpuint (on_air_broadcast_count_encoders (ts->broadcast), ==, 1);

  test_server_free (ts);
}

/* Viewers that leave about a second after their picture started, when the
 * DTLS timers of their handshake come due, both ends letting go at once
 * (the viewer's pipeline and On Air's peer on DELETE). GStreamer 1.22
 * aborts the process when such a timer drops its DTLS connection while the
 * elements are being disposed on another thread (on_air_webrtcbin_retire()
 * is the way round it); every viewer here is a chance for that. */
static void
test_viewers_leave_after_handshake (void)
{
  TestServer *ts = test_server_new ("test", TEST_TOKEN, 10);

  g_assert_true (test_server_wait_live (ts, 10000));
  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(WhepViewer) v = whep_viewer_new ("H264", FALSE);
      g_autofree char *loc = test_whep_connect (ts, v);
      g_autofree char *url = test_server_url (ts, loc);
      g_autoptr(TestResponse) r = NULL;

      g_assert_true (test_whep_wait_frames (v, 1, 5000));
      test_spin (600 + 100 * i);
      r = test_http ("DELETE", url, NULL, NULL, 0, TEST_TOKEN);
      g_assert_cmpuint (r->status, ==, 200);
    }
  g_assert_cmpuint (count_viewers (ts, "webrtc"), ==, 0);
  test_server_free (ts);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  test_init_logging ();

  g_test_add_func ("/webrtc/whep-two-viewers-share-encoder", test_whep_two_viewers_share_encoder);
  g_test_add_func ("/webrtc/viewer-starts-at-keyframe", test_viewer_starts_at_keyframe);
  g_test_add_func ("/webrtc/json-offer-vp8", test_json_offer_vp8);
  g_test_add_func ("/webrtc/vanished-viewer-removed", test_vanished_viewer_removed);
  g_test_add_func ("/webrtc/delete-before-connecting", test_delete_before_connecting);
  g_test_add_func ("/webrtc/many-join-at-once", test_many_join_at_once);
  g_test_add_func ("/webrtc/burst-waits-its-turn", test_burst_waits_its_turn);
  g_test_add_func ("/webrtc/setup-turn-hangup", test_setup_turn_hangup);
  g_test_add_func ("/webrtc/shed-resumes-at-keyframe", test_shed_resumes_at_keyframe);
  g_test_add_func ("/webrtc/page-warms-encoder", test_page_warms_encoder);
  g_test_add_func ("/webrtc/viewers-leave-after-handshake", test_viewers_leave_after_handshake);
  return g_test_run ();
}
