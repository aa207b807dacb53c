/* on-air-route-whep.c
 *
 * WebRTC signalling: WHEP (an SDP offer in, 201 with the answer and the
 * session's Location out, DELETE to hang up) and the JSON /offer of the
 * viewer page. The answer is made asynchronously by the peer; the request
 * is paused meanwhile.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-route-whep"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <json-glib/json-glib.h>

#include "on-air-error.h"
#include "on-air-http.h"
#include "on-air-server-private.h"
#include "on-air-setup-turns.h"
#include "on-air-webrtc-peer.h"

typedef struct
{
  OnAirServer       *server;
  SoupServerMessage *msg;
  OnAirWebrtcPeer   *peer;
  GstSDPMessage     *offer;    /* until its turn to set up comes */
  gboolean           json;
  gboolean           finished; /* the HTTP client went away */
  GSource           *hangup;   /* watches the paused connection */
} PendingAnswer;

typedef struct
{
  OnAirServer     *server;
  OnAirWebrtcPeer *peer;
  OnAirViewer     *viewer; /* NULL until answered */
  OnAirSetupTurn  *turn;   /* until it is connected (on-air-setup-turns.c) */
  PendingAnswer   *waiting; /* its request, while it waits for a turn */
} PeerEntry;

/* ---------------------------------------------------------------------- */
/* peers                                                                  */

static void
on_peer_rung (OnAirWebrtcPeer *peer, GParamSpec *pspec, gpointer user_data)
{
  PeerEntry *entry = user_data;

  if (entry->viewer != NULL)
    on_air_viewer_set_rung (entry->viewer, on_air_rung_to_string (on_air_webrtc_peer_get_rung (peer)));
}

static void
on_peer_closed (OnAirWebrtcPeer *peer, gpointer user_data)
{
  OnAirServer *self = user_data;
  const char *id = on_air_webrtc_peer_get_id (peer);

  g_debug ("WebRTC viewer %s left", id);
  g_hash_table_remove (self->peers, id);
}

/* Its setup is over: the next in line may start. */
static void
leave_turn (PeerEntry *entry)
{
  OnAirSetupTurn *turn = g_steal_pointer (&entry->turn);

  if (turn != NULL)
    on_air_setup_turn_leave (entry->server->setup_turns, turn);
}

static void
on_peer_connected (OnAirWebrtcPeer *peer, GParamSpec *pspec, gpointer user_data)
{
  leave_turn (user_data);
}

void
_on_air_server_peer_entry_free (gpointer data)
{
  PeerEntry *entry = data;

  g_signal_handlers_disconnect_matched (entry->peer, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        on_peer_closed, NULL);
  g_signal_handlers_disconnect_by_func (entry->peer, on_peer_rung, entry);
  g_signal_handlers_disconnect_by_func (entry->peer, on_peer_connected, entry);
  /* One still in line is dropped with its paused request. */
  leave_turn (entry);
  on_air_webrtc_peer_close (entry->peer);
  g_object_unref (entry->peer);
  _on_air_server_remove_viewer (entry->server, entry->viewer);
  g_clear_object (&entry->viewer);
  g_free (entry);
}

void
_on_air_server_refresh_webrtc_counters (OnAirServer *self)
{
  GHashTableIter iter;
  PeerEntry *entry;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->viewer != NULL)
      on_air_viewer_set_frames (entry->viewer,
                                on_air_webrtc_peer_get_frames_sent (entry->peer),
                                on_air_webrtc_peer_get_frames_dropped (entry->peer));
}

/* ---------------------------------------------------------------------- */
/* answers                                                                */

static void
on_pending_finished (SoupServerMessage *msg, gpointer user_data)
{
  PendingAnswer *pending = user_data;
  pending->finished = TRUE;
}

static void
pending_answer_free (PendingAnswer *pending)
{
  if (pending->hangup != NULL)
    {
      g_source_destroy (pending->hangup);
      g_source_unref (pending->hangup);
    }
  g_signal_handlers_disconnect_by_func (pending->msg, on_pending_finished, pending);
  g_clear_pointer (&pending->offer, gst_sdp_message_free);
  g_object_unref (pending->msg);
  g_object_unref (pending->peer);
  g_object_unref (pending->server);
  g_free (pending);
}

/* The JSON /offer gets {type, sdp, session}; WHEP gets the SDP itself and
 * the session's URL. */
static void
respond_answer (SoupServerMessage *msg, const char *id, const char *answer, gboolean json)
{
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "answer");
      json_builder_set_member_name (builder, "sdp");
      json_builder_add_string_value (builder, answer);
      json_builder_set_member_name (builder, "session");
      json_builder_add_string_value (builder, id);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      on_air_http_respond_json (msg, SOUP_STATUS_OK, node);
    }
  else
    {
      g_autofree char *location = g_strdup_printf ("/whep/%s", id);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Location", location);
      soup_server_message_set_status (msg, SOUP_STATUS_CREATED, NULL);
      soup_server_message_set_response (msg, "application/sdp", SOUP_MEMORY_COPY,
                                        answer, strlen (answer));
    }
}

static void
on_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PendingAnswer *pending = user_data;
  OnAirServer *self = pending->server;
  OnAirWebrtcPeer *peer = pending->peer;
  const char *id = on_air_webrtc_peer_get_id (peer);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = on_air_webrtc_peer_answer_finish (peer, result, &error);
  SoupServerMessage *msg = pending->msg;
  PeerEntry *entry = g_hash_table_lookup (self->peers, id);

  if (pending->finished || entry == NULL || answer == NULL)
    {
      if (entry != NULL)
        g_hash_table_remove (self->peers, id);
      if (!pending->finished)
        {
          guint status = g_error_matches (error, ON_AIR_ERROR, ON_AIR_ERROR_SOURCE_FAILED)
                         ? SOUP_STATUS_SERVICE_UNAVAILABLE : SOUP_STATUS_BAD_REQUEST;
          on_air_http_respond_text (msg, status, error ? error->message : "The viewer left");
          soup_server_message_unpause (msg);
        }
      pending_answer_free (pending);
      return;
    }

  entry->viewer = on_air_viewer_new (id, "webrtc", soup_server_message_get_remote_host (msg),
                                     on_air_webrtc_peer_get_codec_name (peer));
  on_air_viewer_set_rung (entry->viewer, on_air_rung_to_string (on_air_webrtc_peer_get_rung (peer)));
  g_signal_connect (peer, "notify::rung", G_CALLBACK (on_peer_rung), entry);
  g_list_store_append (self->viewers, entry->viewer);
  g_debug ("WebRTC viewer %s joined from %s (%s)", id,
           soup_server_message_get_remote_host (msg), on_air_webrtc_peer_get_codec_name (peer));

  respond_answer (msg, id, answer, pending->json);
  soup_server_message_unpause (msg);
  pending_answer_free (pending);
}

/* The paused request's connection became readable: its whole request
 * was read, so that is the client hanging up (or sending more, which
 * clients waiting for an answer do not). A viewer who left before the
 * answer gives its slot back now, not when ICE would have timed out. */
static gboolean
on_client_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  PendingAnswer *pending = user_data;
  char byte;
  gssize n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  g_clear_pointer (&pending->hangup, g_source_unref);
  if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
    return G_SOURCE_REMOVE;
  g_debug ("WebRTC viewer %s hung up before its answer", on_air_webrtc_peer_get_id (pending->peer));
  /* Its answer fails now; libsoup then finds the connection closed. */
  g_hash_table_remove (pending->server->peers, on_air_webrtc_peer_get_id (pending->peer));
  return G_SOURCE_REMOVE;
}

static void
watch_hangup (PendingAnswer *pending)
{
  GSocket *socket = _on_air_server_message_socket (pending->msg);

  if (socket == NULL)
    return;
  pending->hangup = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (pending->hangup, (GSourceFunc) (void (*) (void)) on_client_readable, pending, NULL);
  g_source_attach (pending->hangup, NULL);
}

/* Its turn to set up came. */
static void
start_answer (gpointer data)
{
  PeerEntry *entry = data;
  PendingAnswer *pending = g_steal_pointer (&entry->waiting);

  on_air_webrtc_peer_answer_async (pending->peer, g_steal_pointer (&pending->offer), NULL,
                                   on_answered, pending);
}

/* It left the line before its turn (it hung up, or the server stops):
 * its request is dropped unanswered. */
static void
drop_answer (gpointer data)
{
  PeerEntry *entry = data;

  entry->turn = NULL;
  g_clear_pointer (&entry->waiting, pending_answer_free);
}

/* Takes @offer; the router has checked the token and the viewer slot,
 * which the viewer holds while it waits in line to set up. */
static void
start_webrtc (OnAirServer *self, SoupServerMessage *msg, GstSDPMessage *offer, gboolean json)
{
  g_autofree char *id = _on_air_server_new_viewer_id ();
  PendingAnswer *pending;
  PeerEntry *entry;

  entry = g_new0 (PeerEntry, 1);
  entry->server = self;
  entry->peer = on_air_webrtc_peer_new (self->broadcast, id);
  on_air_webrtc_peer_set_bind_address (entry->peer, self->bind_address);
  g_signal_connect (entry->peer, "closed", G_CALLBACK (on_peer_closed), self);
  g_hash_table_insert (self->peers, g_strdup (id), entry);

  pending = g_new0 (PendingAnswer, 1);
  pending->server = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  pending->peer = g_object_ref (entry->peer);
  pending->offer = offer;
  pending->json = json;
  g_signal_connect (msg, "finished", G_CALLBACK (on_pending_finished), pending);

  soup_server_message_pause (msg);
  watch_hangup (pending);
  g_signal_connect (entry->peer, "notify::connected", G_CALLBACK (on_peer_connected), entry);
  entry->waiting = pending;
  entry->turn = on_air_setup_turns_enter (self->setup_turns, start_answer, drop_answer, entry);
}

void
_on_air_server_set_setup_turns (OnAirServer *self, guint turns, guint hold_ms, guint wait_ms)
{
  g_return_if_fail (on_air_setup_turns_get_running (self->setup_turns) == 0 &&
                    on_air_setup_turns_get_waiting (self->setup_turns) == 0);

  on_air_setup_turns_free (self->setup_turns);
  self->setup_turns = on_air_setup_turns_new (turns, hold_ms, wait_ms);
}

/* ---------------------------------------------------------------------- */
/* offers                                                                 */

/* An offer we can answer: parsed, with a video codec we send. */
static GstSDPMessage *
parse_offer (SoupServerMessage *msg, const char *sdp_text, gsize length)
{
  g_autoptr(GError) error = NULL;
  GstSDPMessage *offer;
  OnAirCodec codec;
  guint pt;

  offer = on_air_sdp_parse_offer (sdp_text, length, &error);
  if (offer == NULL || !on_air_sdp_choose_video_codec (offer, &codec, &pt, &error))
    {
      if (offer != NULL)
        gst_sdp_message_free (offer);
      on_air_http_respond_text (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return NULL;
    }
  return offer;
}

gpointer
_on_air_server_parse_sdp_offer (SoupServerMessage *msg, SoupMessageBody *body)
{
  return parse_offer (msg, body->data, body->length);
}

void
_on_air_server_free_offer (gpointer offer)
{
  gst_sdp_message_free (offer);
}

static const char *
string_member (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

char *
_on_air_server_json_offer_sdp (const char *data, gsize length, const char **problem)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  const char *sdp;

  if (length == 0 || !json_parser_load_from_data (parser, data, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      *problem = "Expected a JSON object {\"type\": \"offer\", \"sdp\": \"…\"}";
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  sdp = string_member (object, "sdp");
  if (g_strcmp0 (string_member (object, "type"), "offer") != 0 || sdp == NULL)
    {
      *problem = "Expected \"type\": \"offer\" and an \"sdp\" string";
      return NULL;
    }
  return g_strdup (sdp);
}

gpointer
_on_air_server_parse_json_offer (SoupServerMessage *msg, SoupMessageBody *body)
{
  const char *problem = NULL;
  g_autofree char *sdp = _on_air_server_json_offer_sdp (body->data, body->length, &problem);

  if (sdp == NULL)
    {
      on_air_http_respond_text (msg, SOUP_STATUS_BAD_REQUEST, problem);
      return NULL;
    }
  return parse_offer (msg, sdp, strlen (sdp));
}

/* ---------------------------------------------------------------------- */
/* routes                                                                 */

void
_on_air_server_whep_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Accept-Post", "application/sdp");
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", "POST, OPTIONS");
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers", "Authorization, Content-Type");
  soup_message_headers_replace (headers, "Access-Control-Max-Age", "600");
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
_on_air_server_whep_session_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", "DELETE, OPTIONS");
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers", "Authorization");
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
_on_air_server_serve_whep (OnAirServer       *self,
                           SoupServerMessage *msg,
                           const char        *path,
                           GHashTable        *query,
                           gpointer           parsed)
{
  start_webrtc (self, msg, parsed, FALSE);
}

void
_on_air_server_serve_offer (OnAirServer       *self,
                            SoupServerMessage *msg,
                            const char        *path,
                            GHashTable        *query,
                            gpointer           parsed)
{
  start_webrtc (self, msg, parsed, TRUE);
}

/* DELETE /whep/<id>: the router matched one segment after the prefix. */
void
_on_air_server_end_whep_session (OnAirServer       *self,
                                 SoupServerMessage *msg,
                                 const char        *path,
                                 GHashTable        *query,
                                 gpointer           parsed)
{
  const char *id = strrchr (path, '/') + 1;

  if (!g_hash_table_remove (self->peers, id))
    {
      on_air_http_respond_text (msg, SOUP_STATUS_NOT_FOUND, "No such session");
      return;
    }
  on_air_http_respond_text (msg, SOUP_STATUS_OK, "Session closed");
}
