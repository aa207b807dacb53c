/* onair-bench-plain: the benchmark's reference design, not On Air
 *
 *   onair-bench-plain RTSP_URL
 *
 * The textbook way to send one camera to many WebRTC viewers with
 * GStreamer, as in gst-examples' multiparty sendrecv: the camera's H.264,
 * untouched, goes into a tee, and every viewer gets its own queue, its own
 * RTP payloader and its own webrtcbin behind it. Media flows into a
 * viewer's webrtcbin as soon as it is made; there are no keyframe
 * requests and no liveness checks.
 *
 * It exists only so that the benchmark can measure what a WebRTC viewer
 * costs in that design on this machine, with the same client
 * (onair-bench-whep) it uses against On Air, and compare On Air with it.
 *
 * Signalling is the same WHEP subset as On Air's:
 *   POST   /whep        SDP offer (every candidate) → 201, SDP answer,
 *                       Location: /whep/ID
 *   DELETE /whep/ID     the viewer leaves
 *   GET    /api/status  {"webrtc_viewers": N}
 * The server listens on 127.0.0.1, on a free port; its URL is the first
 * line on stdout.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <libsoup/soup.h>

#include "on-air-rtp.h"
#include "on-air-webrtc-peer.h"
#include "whep-client.h"


typedef struct
{
  char              *id;
  GstElement        *queue;
  GstElement        *pay;
  GstElement        *webrtcbin;
  GstPad            *tee_pad;
  SoupServerMessage *msg;           /* the POST until it is answered */
  gboolean           closed;
} Viewer;

static GMainLoop *loop;
static GstElement *pipeline;
static GstElement *tee;
static GHashTable *viewers;         /* id → Viewer */
static guint next_id = 1;
static int exit_status = 0;

static void
viewer_clear (gpointer data)
{
  Viewer *v = data;

  g_free (v->id);
  gst_clear_object (&v->queue);
  gst_clear_object (&v->pay);
  gst_clear_object (&v->webrtcbin);
  gst_clear_object (&v->tee_pad);
  g_clear_object (&v->msg);
}

static Viewer *
viewer_ref (Viewer *v)
{
  return g_rc_box_acquire (v);
}

static void
viewer_unref (gpointer v)
{
  g_rc_box_release_full (v, viewer_clear);
}

static void
respond (SoupServerMessage *msg, guint status, const char *type, const char *body)
{
  soup_server_message_set_status (msg, status, NULL);
  if (body != NULL)
    soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, body, strlen (body));
}

/* Main context: answers the pending POST, if there is one. */
static void
finish_request (Viewer *v, guint status, const char *type, const char *body)
{
  g_autoptr(SoupServerMessage) msg = g_steal_pointer (&v->msg);

  if (msg == NULL)
    return;
  g_signal_handlers_disconnect_by_data (msg, v);
  respond (msg, status, type, body);
  soup_server_message_unpause (msg);
}

/* Main context: takes the viewer out of the pipeline. */
static void
viewer_remove (Viewer *v)
{
  viewer_ref (v); /* the table may hold the last reference */
  v->closed = TRUE;
  finish_request (v, SOUP_STATUS_INTERNAL_SERVER_ERROR, "text/plain", "The viewer left\n");

  gst_pad_unlink (v->tee_pad, GST_PAD_PEER (v->tee_pad));
  gst_element_release_request_pad (tee, v->tee_pad);
  /* webrtcbin first: until DTLS is up it blocks the queue's thread in a
   * push, and stopping the queue first would wait for it forever. */
  gst_element_set_state (v->webrtcbin, GST_STATE_NULL);
  gst_element_set_state (v->pay, GST_STATE_NULL);
  gst_element_set_state (v->queue, GST_STATE_NULL);
  gst_bin_remove_many (GST_BIN (pipeline), v->queue, v->pay, v->webrtcbin, NULL);
  g_hash_table_remove (viewers, v->id);
  viewer_unref (v);
}

/* ---------------------------------------------------------------------- */
/* answering                                                              */

/* A worker thread: webrtcbin's promises and ICE gathering, blocking. */
static void
answer_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Viewer *v = g_task_get_task_data (task);
  const char *offer = g_object_get_data (G_OBJECT (task), "offer");
  GError *error = NULL;
  char *answer = whep_webrtcbin_answer (v->webrtcbin, offer, &error);

  if (answer != NULL)
    g_task_return_pointer (task, answer, g_free);
  else
    g_task_return_error (task, error);
}

/* Main context: the answer, with every candidate, goes to the POST. */
static void
answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Viewer *v = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *location = NULL;

  if (v->closed || v->msg == NULL)
    return;
  if (answer == NULL)
    {
      g_printerr ("onair-bench-plain: viewer %s: %s\n", v->id, error->message);
      viewer_remove (v);
      return;
    }
  location = g_strdup_printf ("/whep/%s", v->id);
  soup_message_headers_replace (soup_server_message_get_response_headers (v->msg), "Location", location);
  finish_request (v, SOUP_STATUS_CREATED, "application/sdp", answer);
}

static void
on_message_finished (SoupServerMessage *msg, gpointer user_data)
{
  Viewer *v = user_data;

  /* The client went away before its answer. */
  g_signal_handlers_disconnect_by_data (msg, v);
  g_clear_object (&v->msg);
  viewer_remove (v);
}

/* ---------------------------------------------------------------------- */
/* HTTP (main context)                                                    */

static void
handle_offer (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) pay_src = NULL;
  g_autoptr(GstPad) webrtc_sink = NULL;
  g_autoptr(GstPad) queue_sink = NULL;
  g_autoptr(GTask) task = NULL;
  GstSDPMessage *offer;
  OnAirCodec codec;
  guint pt;
  Viewer *v;

  if (g_strcmp0 (type, "application/sdp") != 0)
    {
      respond (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "text/plain", "Expected application/sdp\n");
      return;
    }
  offer = on_air_sdp_parse_offer (body->data, body->length, &error);
  if (offer != NULL && on_air_sdp_choose_video_codec (offer, &codec, &pt, &error) &&
      codec != ON_AIR_CODEC_H264)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         "The offer has no H.264 with packetization-mode=1");
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s\n", error->message);

      g_clear_pointer (&offer, gst_sdp_message_free);
      respond (msg, SOUP_STATUS_BAD_REQUEST, "text/plain", text);
      return;
    }
  gst_sdp_message_free (offer);

  v = g_rc_box_new0 (Viewer);
  v->id = g_strdup_printf ("%u", next_id++);
  v->queue = gst_object_ref_sink (gst_element_factory_make ("queue", NULL));
  g_object_set (v->queue, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64) 300 * GST_MSECOND, NULL);
  gst_util_set_object_arg (G_OBJECT (v->queue), "leaky", "downstream");
  v->pay = gst_object_ref_sink (gst_element_factory_make ("rtph264pay", NULL));
  g_object_set (v->pay, "pt", pt, "config-interval", -1, "mtu", 1200, NULL);
  gst_util_set_object_arg (G_OBJECT (v->pay), "aggregate-mode", "zero-latency");
  v->webrtcbin = gst_object_ref_sink (gst_element_factory_make ("webrtcbin", NULL));
  gst_util_set_object_arg (G_OBJECT (v->webrtcbin), "bundle-policy", "max-bundle");
  on_air_webrtcbin_disable_upnp (v->webrtcbin);
  /* As On Air with --bind 127.0.0.1, which the benchmark runs. */
  on_air_webrtcbin_restrict_to_address (v->webrtcbin, "127.0.0.1");
  g_hash_table_insert (viewers, v->id, v);

  gst_bin_add_many (GST_BIN (pipeline), v->queue, v->pay, v->webrtcbin, NULL);
  gst_element_link (v->queue, v->pay);
  pay_src = gst_element_get_static_pad (v->pay, "src");
  gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_air_relax_h264_profile_probe, NULL, NULL);
  webrtc_sink = gst_element_request_pad_simple (v->webrtcbin, "sink_%u");
  gst_pad_link (pay_src, webrtc_sink);
  gst_element_sync_state_with_parent (v->webrtcbin);
  gst_element_sync_state_with_parent (v->pay);
  gst_element_sync_state_with_parent (v->queue);
  queue_sink = gst_element_get_static_pad (v->queue, "sink");
  v->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  gst_pad_link (v->tee_pad, queue_sink);

  v->msg = g_object_ref (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (on_message_finished), v);
  soup_server_message_pause (msg);

  task = g_task_new (NULL, NULL, answered, NULL);
  g_task_set_task_data (task, viewer_ref (v), viewer_unref);
  g_object_set_data_full (G_OBJECT (task), "offer", g_strndup (body->data, body->length), g_free);
  g_task_run_in_thread (task, answer_in_thread);
}

static void
handle_request (SoupServer *server, SoupServerMessage *msg, const char *path,
                GHashTable *query, gpointer user_data)
{
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/whep") && g_str_equal (method, "POST"))
    handle_offer (msg);
  else if (g_str_has_prefix (path, "/whep/") && g_str_equal (method, "DELETE"))
    {
      Viewer *v = g_hash_table_lookup (viewers, path + strlen ("/whep/"));

      if (v == NULL)
        respond (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "No such viewer\n");
      else
        {
          viewer_remove (v);
          respond (msg, SOUP_STATUS_OK, NULL, NULL);
        }
    }
  else if (g_str_equal (path, "/api/status") && g_str_equal (method, "GET"))
    {
      g_autofree char *json = g_strdup_printf ("{\"webrtc_viewers\": %u}\n",
                                               g_hash_table_size (viewers));

      respond (msg, SOUP_STATUS_OK, "application/json", json);
    }
  else
    respond (msg, SOUP_STATUS_NOT_FOUND, "text/plain", "Not found\n");
}

/* ---------------------------------------------------------------------- */
/* pipeline                                                               */

static void
on_pad_added (GstElement *src, GstPad *pad, gpointer depay)
{
  g_autoptr(GstPad) sink = gst_element_get_static_pad (depay, "sink");

  if (!gst_pad_is_linked (sink) && gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_printerr ("onair-bench-plain: cannot link the RTSP source's %s\n", GST_PAD_NAME (pad));
}

/* An error from a viewer's elements is printed; one from the camera's
 * end of the pipeline ends the program. */
static gboolean
is_viewer_element (GstObject *object)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, viewers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Viewer *v = value;

      if (gst_object_has_as_ancestor (object, GST_OBJECT (v->webrtcbin)) ||
          gst_object_has_as_ancestor (object, GST_OBJECT (v->pay)) ||
          gst_object_has_as_ancestor (object, GST_OBJECT (v->queue)))
        return TRUE;
    }
  return FALSE;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (message, &error, &debug);
      g_printerr ("onair-bench-plain: %s: %s\n%s\n", GST_MESSAGE_SRC_NAME (message),
                  error->message, debug ? debug : "");
      if (!is_viewer_element (GST_MESSAGE_SRC (message)))
        {
          exit_status = 1;
          g_main_loop_quit (loop);
        }
      break;
    case GST_MESSAGE_EOS:
      g_printerr ("onair-bench-plain: the RTSP stream ended\n");
      exit_status = 1;
      g_main_loop_quit (loop);
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autofree char *description = NULL;
  g_autofree char *url = NULL;
  GstElement *src, *depay;
  GSList *uris;

  gst_init (&argc, &argv);
  if (argc != 2)
    {
      g_printerr ("Usage: onair-bench-plain RTSP_URL\n");
      return 2;
    }

  description = g_strdup_printf ("rtspsrc name=src latency=0 location=\"%s\" "
                                 "rtph264depay name=depay ! h264parse config-interval=-1 ! "
                                 "video/x-h264,stream-format=byte-stream,alignment=au ! "
                                 "tee name=t allow-not-linked=true", argv[1]);
  pipeline = gst_parse_launch (description, &error);
  if (pipeline == NULL)
    {
      g_printerr ("onair-bench-plain: %s\n", error->message);
      return 1;
    }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  depay = gst_bin_get_by_name (GST_BIN (pipeline), "depay");
  tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  g_signal_connect_object (src, "pad-added", G_CALLBACK (on_pad_added), depay, 0);
  gst_object_unref (src);
  gst_object_unref (depay);

  loop = g_main_loop_new (NULL, FALSE);
  viewers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, viewer_unref);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_bus_message, NULL);

  server = soup_server_new ("server-header", "onair-bench-plain ", NULL);
  soup_server_add_handler (server, NULL, handle_request, NULL, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("onair-bench-plain: %s\n", error->message);
      return 1;
    }
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_printerr ("onair-bench-plain: the pipeline does not start\n");
      return 1;
    }
  g_print ("%s\n", url);
  fflush (stdout);

  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_main_loop_run (loop);

  soup_server_disconnect (server);
  while (g_hash_table_size (viewers) > 0)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, viewers);
      g_hash_table_iter_next (&iter, NULL, &value);
      viewer_remove (value);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  g_hash_table_unref (viewers);
  gst_object_unref (tee);
  gst_object_unref (pipeline);
  g_main_loop_unref (loop);
  return exit_status;
}
