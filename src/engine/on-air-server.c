/* on-air-server.c
 *
 * Everything here runs on the main context. MJPEG viewers are written the
 * newest frame only when their previous one has left for the socket, so a
 * slow phone skips frames instead of queueing them (the ustreamer rule);
 * the JPEG itself is one shared GBytes, never copied per viewer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-server"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <sys/socket.h>

#include <json-glib/json-glib.h>
#include <gst/gst.h>
#include <libsoup/soup.h>

#include "on-air-error.h"
#include "on-air-server.h"
#include "onair-web-resources.h"
#include "on-air-token.h"
#include "on-air-viewer.h"
#include "on-air-webrtc-peer.h"

#define WEB_RESOURCES "/io/github/onair/OnAir/web"
#define COOKIE_NAME "onair_token"
#define SNAPSHOT_TIMEOUT_S 5
#define SNAPSHOT_LINGER_S 3
#define RETRY_AFTER_S "10"
/* Bounds the bytes a slow MJPEG viewer can have in flight in the kernel
 * (Linux doubles it): about two 720p frames, so its picture stays live. */
#define MJPEG_SNDBUF (160 * 1024)

typedef struct
{
  OnAirServer *server;
  OnAirViewer *viewer;
  GSocket     *socket; /* NULL until the headers are out */
  GIOStream   *stream; /* the connection, taken from libsoup */
} MjpegClient;

typedef struct
{
  OnAirServer       *server;
  SoupServerMessage *msg;
  OnAirWebrtcPeer   *peer;
  gboolean           json;
  gboolean           finished; /* the HTTP client went away */
} PendingAnswer;

typedef struct
{
  OnAirServer     *server;
  OnAirWebrtcPeer *peer;
  OnAirViewer     *viewer; /* NULL until answered */
} PeerEntry;

struct _OnAirServer
{
  GObject         parent_instance;

  OnAirBroadcast *broadcast;
  SoupServer     *soup;
  char           *token;
  guint           max_viewers;
  guint           port;
  gint64          started_at;

  GListStore     *viewers;
  GPtrArray      *mjpeg_clients;
  GHashTable     *peers;          /* id → PeerEntry */
  GPtrArray      *pending_snapshots;
  gboolean        snapshot_hold;
  guint           snapshot_linger;
  guint           snapshot_timeout;
  gulong          jpeg_handler;
  gulong          mjpeg_removed_handler;
};

G_DEFINE_FINAL_TYPE (OnAirServer, on_air_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PORT,
  PROP_LISTENING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------- */
/* responses                                                              */

static void
respond_text (SoupServerMessage *msg, guint status, const char *text)
{
  g_autofree char *body = g_strdup_printf ("%s\n", text);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "text/plain; charset=utf-8",
                                    SOUP_MEMORY_TAKE, g_steal_pointer (&body), strlen (text) + 1);
}

static void
respond_method_not_allowed (SoupServerMessage *msg, const char *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "Method not allowed");
}

static void
respond_json (SoupServerMessage *msg, guint status, JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  gsize length;
  char *text;

  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &length);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
}

static void
add_cors (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers", "Location");
}

/* ---------------------------------------------------------------------- */
/* access                                                                 */

static char *
request_token (SoupServerMessage *msg, GHashTable *query)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *auth = soup_message_headers_get_one (headers, "Authorization");
  const char *cookie = soup_message_headers_get_one (headers, "Cookie");

  if (auth != NULL && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    return g_strdup (auth + 7);
  if (query != NULL && g_hash_table_lookup (query, "token") != NULL)
    return g_strdup (g_hash_table_lookup (query, "token"));
  if (cookie != NULL)
    {
      g_autoptr(GHashTable) cookies = soup_header_parse_semi_param_list (cookie);
      const char *value = g_hash_table_lookup (cookies, COOKIE_NAME);

      if (value != NULL)
        return g_strdup (value);
    }
  return NULL;
}

static gboolean
is_authorized (OnAirServer *self, SoupServerMessage *msg, GHashTable *query)
{
  g_autofree char *given = NULL;

  if (self->token == NULL)
    return TRUE;
  given = request_token (msg, query);
  return on_air_token_equal (self->token, given);
}

/* Answers 401 and returns FALSE when the request lacks the token. */
static gboolean
check_access (OnAirServer *self, SoupServerMessage *msg, GHashTable *query)
{
  if (is_authorized (self, msg, query))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "WWW-Authenticate", "Bearer realm=\"On Air\"");
  respond_text (msg, SOUP_STATUS_UNAUTHORIZED, "This link needs an access code.");
  return FALSE;
}

static guint
viewer_count (OnAirServer *self)
{
  return self->mjpeg_clients->len + g_hash_table_size (self->peers);
}

static gboolean
has_room (OnAirServer *self)
{
  return self->max_viewers == 0 || viewer_count (self) < self->max_viewers;
}

/* Answers 503 and returns FALSE when no one else may join. */
static gboolean
check_capacity (OnAirServer *self, SoupServerMessage *msg)
{
  if (has_room (self))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", RETRY_AFTER_S);
  respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "Too many viewers; try again later.");
  return FALSE;
}

static char *
new_id (void)
{
  return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}

static void
remove_viewer (OnAirServer *self, OnAirViewer *viewer)
{
  guint position;

  if (viewer != NULL && g_list_store_find (self->viewers, viewer, &position))
    g_list_store_remove (self->viewers, position);
}

/* ---------------------------------------------------------------------- */
/* static files (the viewer page)                                         */

static const char *
content_type_for (const char *path)
{
  if (g_str_has_suffix (path, ".html")) return "text/html; charset=utf-8";
  if (g_str_has_suffix (path, ".js")) return "text/javascript; charset=utf-8";
  if (g_str_has_suffix (path, ".css")) return "text/css; charset=utf-8";
  if (g_str_has_suffix (path, ".svg")) return "image/svg+xml";
  if (g_str_has_suffix (path, ".png")) return "image/png";
  if (g_str_has_suffix (path, ".webmanifest")) return "application/manifest+json";
  return "application/octet-stream";
}

static void
handle_static (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  OnAirServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *resource = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean is_page;

  if (strstr (path, "..") != NULL || strstr (path, "//") != NULL)
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  is_page = g_str_equal (path, "/") || g_str_equal (path, "/index.html");
  resource = g_strconcat (WEB_RESOURCES, is_page ? "/index.html" : path, NULL);
  bytes = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  if (!g_str_equal (method, SOUP_METHOD_GET) && !g_str_equal (method, SOUP_METHOD_HEAD))
    {
      respond_method_not_allowed (msg, "GET, HEAD");
      return;
    }

  /* The page itself holds no secret: it must load to say that a token is
   * missing. A valid token becomes a cookie so <img> and fetch carry it. */
  if (is_page && self->token != NULL && query != NULL &&
      on_air_token_equal (self->token, g_hash_table_lookup (query, "token")))
    {
      g_autofree char *cookie = g_strdup_printf ("%s=%s; Path=/; HttpOnly; SameSite=Strict",
                                                 COOKIE_NAME, self->token);
      soup_message_headers_append (headers, "Set-Cookie", cookie);
    }

  /* Someone allowed to watch opened the page: its WebRTC offer follows
   * in a few hundred ms, and the encoder's start need not be in its way. */
  if (is_page && g_str_equal (method, SOUP_METHOD_GET) && has_room (self) &&
      is_authorized (self, msg, query))
    on_air_broadcast_expect_webrtc (self->broadcast);

  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' blob: data:; "
                                "media-src 'self' blob:; connect-src 'self'; "
                                "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type_for (is_page ? "/index.html" : path),
                                    SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* ---------------------------------------------------------------------- */
/* MJPEG                                                                  */

/* libsoup validates the request and writes the response headers; then the
 * connection is taken over and its socket handed to the broadcast's
 * multisocketsink, which writes every frame from a streaming thread. */

static void
mjpeg_client_free (MjpegClient *client)
{
  OnAirServer *self = client->server;

  remove_viewer (self, client->viewer);
  g_clear_object (&client->viewer);
  g_clear_object (&client->socket);
  if (client->stream != NULL)
    g_io_stream_close (client->stream, NULL, NULL);
  g_clear_object (&client->stream);
  g_free (client);
}

static MjpegClient *
find_mjpeg_client (OnAirServer *self, GSocket *socket)
{
  for (guint i = 0; i < self->mjpeg_clients->len; i++)
    {
      MjpegClient *client = g_ptr_array_index (self->mjpeg_clients, i);
      if (client->socket == socket)
        return client;
    }
  return NULL;
}

/* The sink let go (the viewer hung up, or the source restarted). */
static void
on_mjpeg_client_removed (OnAirBroadcast *broadcast, GSocket *socket, gpointer user_data)
{
  OnAirServer *self = user_data;
  MjpegClient *client = find_mjpeg_client (self, socket);

  if (client == NULL)
    return;
  g_debug ("MJPEG viewer %s left", on_air_viewer_get_id (client->viewer));
  g_ptr_array_remove (self->mjpeg_clients, client);
  mjpeg_client_free (client);
}

static void
on_mjpeg_headers_written (SoupServerMessage *msg, gpointer user_data)
{
  MjpegClient *client = user_data;
  OnAirServer *self = client->server;
  GSocket *socket = soup_server_message_get_socket (msg);

  g_signal_handlers_disconnect_by_func (msg, on_mjpeg_headers_written, client);
  if (socket == NULL)
    {
      g_ptr_array_remove (self->mjpeg_clients, client);
      mjpeg_client_free (client);
      return;
    }
  client->socket = g_object_ref (socket);
  client->stream = soup_server_message_steal_connection (msg);
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, MJPEG_SNDBUF, NULL);

  if (!on_air_broadcast_add_mjpeg_client (self->broadcast, socket))
    {
      g_ptr_array_remove (self->mjpeg_clients, client);
      mjpeg_client_free (client);
      return;
    }
  g_list_store_append (self->viewers, client->viewer);
}

static void
handle_mjpeg (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  OnAirServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  MjpegClient *client;
  g_autofree char *id = NULL;

  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_GET))
    {
      respond_method_not_allowed (msg, "GET");
      return;
    }
  if (!check_access (self, msg, query) || !check_capacity (self, msg))
    return;
  if (!on_air_broadcast_is_running (self->broadcast))
    {
      soup_message_headers_replace (headers, "Retry-After", "5");
      respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "The camera is not available right now.");
      return;
    }

  id = new_id ();
  client = g_new0 (MjpegClient, 1);
  client->server = self;
  client->viewer = on_air_viewer_new (id, "mjpeg", soup_server_message_get_remote_host (msg), "JPEG");
  g_ptr_array_add (self->mjpeg_clients, client);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  /* The body runs until the connection closes. */
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_EOF);
  soup_message_headers_set_content_type (headers, "multipart/x-mixed-replace;boundary=" ON_AIR_MJPEG_BOUNDARY, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store, no-cache, must-revalidate");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
  soup_message_headers_replace (headers, "Connection", "close");
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (on_mjpeg_headers_written), client);
  g_debug ("MJPEG viewer %s joined from %s", id, soup_server_message_get_remote_host (msg));
}

/* ---------------------------------------------------------------------- */
/* snapshots                                                              */

static void on_snapshot_finished (SoupServerMessage *msg, gpointer user_data);

static void
respond_snapshot (SoupServerMessage *msg, GBytes *frame)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "image/jpeg", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

static gboolean
snapshot_linger_done (gpointer user_data)
{
  OnAirServer *self = user_data;

  self->snapshot_linger = 0;
  if (self->snapshot_hold && self->pending_snapshots->len == 0)
    {
      self->snapshot_hold = FALSE;
      on_air_broadcast_release_jpeg (self->broadcast);
    }
  return G_SOURCE_REMOVE;
}

static void
finish_pending_snapshots (OnAirServer *self, GBytes *frame)
{
  while (self->pending_snapshots->len > 0)
    {
      g_autoptr(SoupServerMessage) msg = g_ptr_array_steal_index (self->pending_snapshots, 0);

      g_signal_handlers_disconnect_by_func (msg, on_snapshot_finished, self);
      if (frame != NULL)
        respond_snapshot (msg, frame);
      else
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", "5");
          respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "No picture from the camera yet.");
        }
      soup_server_message_unpause (msg);
    }
  g_clear_handle_id (&self->snapshot_timeout, g_source_remove);
  /* Keep the JPEG branch a moment: snapshots often come in series. */
  if (self->snapshot_hold && self->snapshot_linger == 0)
    self->snapshot_linger = g_timeout_add_seconds (SNAPSHOT_LINGER_S, snapshot_linger_done, self);
}

static gboolean
snapshot_timed_out (gpointer user_data)
{
  OnAirServer *self = user_data;

  self->snapshot_timeout = 0;
  finish_pending_snapshots (self, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_snapshot_finished (SoupServerMessage *msg, gpointer user_data)
{
  OnAirServer *self = user_data;

  g_signal_handlers_disconnect_by_func (msg, on_snapshot_finished, self);
  g_ptr_array_remove (self->pending_snapshots, msg);
}

static void
handle_snapshot (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  OnAirServer *self = user_data;
  g_autoptr(GBytes) frame = NULL;

  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_GET))
    {
      respond_method_not_allowed (msg, "GET");
      return;
    }
  if (!check_access (self, msg, query))
    return;

  frame = on_air_broadcast_dup_latest_jpeg (self->broadcast, NULL);
  if (frame != NULL)
    {
      respond_snapshot (msg, frame);
      return;
    }

  if (!self->snapshot_hold)
    {
      self->snapshot_hold = TRUE;
      on_air_broadcast_acquire_jpeg (self->broadcast);
    }
  g_clear_handle_id (&self->snapshot_linger, g_source_remove);
  g_ptr_array_add (self->pending_snapshots, g_object_ref (msg));
  g_signal_connect (msg, "finished", G_CALLBACK (on_snapshot_finished), self);
  if (self->snapshot_timeout == 0)
    self->snapshot_timeout = g_timeout_add_seconds (SNAPSHOT_TIMEOUT_S, snapshot_timed_out, self);
  soup_server_message_pause (msg);
}

static void
on_jpeg_frame (OnAirBroadcast *broadcast, GBytes *frame, guint64 sequence, gpointer user_data)
{
  OnAirServer *self = user_data;

  if (self->pending_snapshots->len > 0)
    finish_pending_snapshots (self, frame);
}

/* ---------------------------------------------------------------------- */
/* WebRTC (WHEP and JSON offer)                                           */

static void
on_peer_closed (OnAirWebrtcPeer *peer, gpointer user_data)
{
  OnAirServer *self = user_data;
  const char *id = on_air_webrtc_peer_get_id (peer);

  g_debug ("WebRTC viewer %s left", id);
  g_hash_table_remove (self->peers, id);
}

static void
peer_entry_free (gpointer data)
{
  PeerEntry *entry = data;

  g_signal_handlers_disconnect_matched (entry->peer, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                        on_peer_closed, NULL);
  on_air_webrtc_peer_close (entry->peer);
  g_object_unref (entry->peer);
  remove_viewer (entry->server, entry->viewer);
  g_clear_object (&entry->viewer);
  g_free (entry);
}

static void
on_pending_finished (SoupServerMessage *msg, gpointer user_data)
{
  PendingAnswer *pending = user_data;
  pending->finished = TRUE;
}

static void
pending_answer_free (PendingAnswer *pending)
{
  g_signal_handlers_disconnect_by_func (pending->msg, on_pending_finished, pending);
  g_object_unref (pending->msg);
  g_object_unref (pending->peer);
  g_object_unref (pending->server);
  g_free (pending);
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
          respond_text (msg, status, error ? error->message : "The viewer left");
          soup_server_message_unpause (msg);
        }
      pending_answer_free (pending);
      return;
    }

  entry->viewer = on_air_viewer_new (id, "webrtc", soup_server_message_get_remote_host (msg),
                                     on_air_webrtc_peer_get_codec_name (peer));
  g_list_store_append (self->viewers, entry->viewer);
  g_debug ("WebRTC viewer %s joined from %s (%s)", id,
           soup_server_message_get_remote_host (msg), on_air_webrtc_peer_get_codec_name (peer));

  if (pending->json)
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
      respond_json (msg, SOUP_STATUS_OK, node);
    }
  else
    {
      g_autofree char *location = g_strdup_printf ("/whep/%s", id);
      gsize length = strlen (answer);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Location", location);
      soup_server_message_set_status (msg, SOUP_STATUS_CREATED, NULL);
      soup_server_message_set_response (msg, "application/sdp", SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&answer), length);
    }
  soup_server_message_unpause (msg);
  pending_answer_free (pending);
}

/* Validates @sdp_text, then answers it asynchronously. */
static void
start_webrtc (OnAirServer *self, SoupServerMessage *msg, const char *sdp_text, gsize length, gboolean json)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  GstSDPMessage *offer;
  PendingAnswer *pending;
  PeerEntry *entry;
  OnAirCodec codec;
  guint pt;

  offer = on_air_sdp_parse_offer (sdp_text, length, &error);
  if (offer == NULL || !on_air_sdp_choose_video_codec (offer, &codec, &pt, &error))
    {
      if (offer != NULL)
        gst_sdp_message_free (offer);
      respond_text (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }
  if (!check_capacity (self, msg))
    {
      gst_sdp_message_free (offer);
      return;
    }
  if (!on_air_broadcast_is_running (self->broadcast))
    {
      gst_sdp_message_free (offer);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "5");
      respond_text (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "The camera is not available right now.");
      return;
    }

  id = new_id ();
  entry = g_new0 (PeerEntry, 1);
  entry->server = self;
  entry->peer = on_air_webrtc_peer_new (self->broadcast, id);
  g_signal_connect (entry->peer, "closed", G_CALLBACK (on_peer_closed), self);
  g_hash_table_insert (self->peers, g_strdup (id), entry);

  pending = g_new0 (PendingAnswer, 1);
  pending->server = g_object_ref (self);
  pending->msg = g_object_ref (msg);
  pending->peer = g_object_ref (entry->peer);
  pending->json = json;
  g_signal_connect (msg, "finished", G_CALLBACK (on_pending_finished), pending);

  soup_server_message_pause (msg);
  on_air_webrtc_peer_answer_async (entry->peer, offer, NULL, on_answered, pending);
}

static gboolean
has_content_type (SoupServerMessage *msg, const char *expected)
{
  const char *type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);

  return type != NULL && g_ascii_strcasecmp (type, expected) == 0;
}

static gboolean
check_body (SoupServerMessage *msg, const char *content_type, SoupMessageBody **body_out)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  if (!has_content_type (msg, content_type))
    {
      g_autofree char *text = g_strdup_printf ("Expected Content-Type: %s", content_type);
      respond_text (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, text);
      return FALSE;
    }
  if (body->length > ON_AIR_SERVER_MAX_BODY)
    {
      respond_text (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "The request body is too large");
      return FALSE;
    }
  *body_out = body;
  return TRUE;
}

static void
handle_whep (SoupServer        *soup,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  OnAirServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body;

  add_cors (msg);

  if (g_str_equal (path, "/whep"))
    {
      if (g_str_equal (method, SOUP_METHOD_OPTIONS))
        {
          soup_message_headers_replace (headers, "Accept-Post", "application/sdp");
          soup_message_headers_replace (headers, "Access-Control-Allow-Methods", "POST, OPTIONS");
          soup_message_headers_replace (headers, "Access-Control-Allow-Headers", "Authorization, Content-Type");
          soup_message_headers_replace (headers, "Access-Control-Max-Age", "600");
          soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
          return;
        }
      if (!g_str_equal (method, SOUP_METHOD_POST))
        {
          respond_method_not_allowed (msg, "POST, OPTIONS");
          return;
        }
      if (!check_access (self, msg, query) || !check_body (msg, "application/sdp", &body))
        return;
      start_webrtc (self, msg, body->data, body->length, FALSE);
      return;
    }

  if (g_str_has_prefix (path, "/whep/") && strchr (path + 6, '/') == NULL && path[6] != '\0')
    {
      const char *id = path + 6;

      if (g_str_equal (method, SOUP_METHOD_OPTIONS))
        {
          soup_message_headers_replace (headers, "Access-Control-Allow-Methods", "DELETE, OPTIONS");
          soup_message_headers_replace (headers, "Access-Control-Allow-Headers", "Authorization");
          soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
          return;
        }
      /* PATCH (trickle ICE) is not offered: every candidate is in the answer. */
      if (!g_str_equal (method, SOUP_METHOD_DELETE))
        {
          respond_method_not_allowed (msg, "DELETE, OPTIONS");
          return;
        }
      if (!check_access (self, msg, query))
        return;
      if (!g_hash_table_remove (self->peers, id))
        {
          respond_text (msg, SOUP_STATUS_NOT_FOUND, "No such session");
          return;
        }
      respond_text (msg, SOUP_STATUS_OK, "Session closed");
      return;
    }

  respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not found");
}

static void
handle_offer (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  OnAirServer *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  SoupMessageBody *body;
  JsonObject *object;
  const char *type, *sdp;

  if (!g_str_equal (path, "/offer"))
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_POST))
    {
      respond_method_not_allowed (msg, "POST");
      return;
    }
  if (!check_access (self, msg, query) || !check_body (msg, "application/json", &body))
    return;

  if (body->length == 0 ||
      !json_parser_load_from_data (parser, body->data, body->length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      respond_text (msg, SOUP_STATUS_BAD_REQUEST, "Expected a JSON object {\"type\": \"offer\", \"sdp\": \"…\"}");
      return;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  type = json_object_has_member (object, "type") &&
         JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "type")) &&
         json_node_get_value_type (json_object_get_member (object, "type")) == G_TYPE_STRING
         ? json_object_get_string_member (object, "type") : NULL;
  sdp = json_object_has_member (object, "sdp") &&
        JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "sdp")) &&
        json_node_get_value_type (json_object_get_member (object, "sdp")) == G_TYPE_STRING
        ? json_object_get_string_member (object, "sdp") : NULL;
  if (g_strcmp0 (type, "offer") != 0 || sdp == NULL)
    {
      respond_text (msg, SOUP_STATUS_BAD_REQUEST, "Expected \"type\": \"offer\" and an \"sdp\" string");
      return;
    }
  start_webrtc (self, msg, sdp, strlen (sdp), TRUE);
}

/* ---------------------------------------------------------------------- */
/* status                                                                 */

static void
add_viewer_json (JsonBuilder *builder, OnAirViewer *viewer)
{
  g_autofree char *since = g_date_time_format_iso8601 (on_air_viewer_get_since (viewer));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, on_air_viewer_get_id (viewer));
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, on_air_viewer_get_kind (viewer));
  json_builder_set_member_name (builder, "remote_address");
  json_builder_add_string_value (builder, on_air_viewer_get_remote_address (viewer));
  json_builder_set_member_name (builder, "codec");
  json_builder_add_string_value (builder, on_air_viewer_get_codec (viewer));
  json_builder_set_member_name (builder, "connected_since");
  json_builder_add_string_value (builder, since);
  json_builder_set_member_name (builder, "frames_sent");
  json_builder_add_int_value (builder, on_air_viewer_get_frames_sent (viewer));
  json_builder_set_member_name (builder, "frames_dropped");
  json_builder_add_int_value (builder, on_air_viewer_get_frames_dropped (viewer));
  json_builder_end_object (builder);
}

static void
refresh_viewer_counters (OnAirServer *self)
{
  GHashTableIter iter;
  PeerEntry *entry;

  for (guint i = 0; i < self->mjpeg_clients->len; i++)
    {
      MjpegClient *client = g_ptr_array_index (self->mjpeg_clients, i);
      guint64 sent = 0, dropped = 0;

      if (client->socket != NULL &&
          on_air_broadcast_get_mjpeg_client_stats (self->broadcast, client->socket, &sent, &dropped))
        on_air_viewer_set_frames (client->viewer, sent, dropped);
    }
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
    if (entry->viewer != NULL)
      on_air_viewer_set_frames (entry->viewer,
                                on_air_webrtc_peer_get_frames_sent (entry->peer),
                                on_air_webrtc_peer_get_frames_dropped (entry->peer));
}

static void
handle_status (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  OnAirServer *self = user_data;
  OnAirBroadcast *b = self->broadcast;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  int width = 0, height = 0;
  guint n;

  if (!g_str_equal (path, "/api/status"))
    {
      respond_text (msg, SOUP_STATUS_NOT_FOUND, "Not found");
      return;
    }
  if (!g_str_equal (soup_server_message_get_method (msg), SOUP_METHOD_GET))
    {
      respond_method_not_allowed (msg, "GET");
      return;
    }
  if (!check_access (self, msg, query))
    return;

  refresh_viewer_counters (self);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "source");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, on_air_broadcast_get_source_kind (b));
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, on_air_broadcast_get_description (b));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, on_air_source_state_to_string (on_air_broadcast_get_state (b)));
  json_builder_set_member_name (builder, "error");
  if (on_air_broadcast_get_error_message (b) != NULL)
    json_builder_add_string_value (builder, on_air_broadcast_get_error_message (b));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "retry_in");
  json_builder_add_int_value (builder, on_air_broadcast_get_retry_seconds (b));
  json_builder_set_member_name (builder, "resolution");
  if (on_air_broadcast_get_resolution (b, &width, &height))
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, height);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "fps");
  json_builder_add_double_value (builder, on_air_broadcast_get_fps (b));
  json_builder_set_member_name (builder, "h264_passthrough");
  json_builder_add_boolean_value (builder, on_air_broadcast_get_h264_passthrough (b));
  json_builder_set_member_name (builder, "video_encoders");
  json_builder_add_int_value (builder, on_air_broadcast_count_encoders (b));
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "viewers");
  json_builder_begin_array (builder);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->viewers));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(OnAirViewer) viewer = g_list_model_get_item (G_LIST_MODEL (self->viewers), i);
      add_viewer_json (builder, viewer);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "max_viewers");
  json_builder_add_int_value (builder, self->max_viewers);
  json_builder_set_member_name (builder, "uptime");
  json_builder_add_double_value (builder,
                                 (g_get_monotonic_time () - self->started_at) / (double) G_USEC_PER_SEC);
  json_builder_end_object (builder);

  node = json_builder_get_root (builder);
  respond_json (msg, SOUP_STATUS_OK, node);
}

/* GStreamer's DTLS elements share one certificate per process, generated
 * (an RSA key) when the first one is made: more than a second on a busy
 * small machine, which the first phone would wait through. Make it while
 * nobody is waiting. This is not an encoder: nothing runs afterwards. */
static GMutex warm_up_lock;
static GThread *warm_up_thread;
static gboolean warm_up_started;

static gpointer
warm_up_webrtc (gpointer data)
{
  /* What the first viewer's signalling would otherwise load on the main
   * thread and wait for (its answer took 72–85 ms, 26–29 with these
   * loaded): the plugins of a WebRTC viewer's elements and of the H.264
   * encoder, loaded, not instantiated. Not the decoders and the VP8
   * encoder: libav and libvpx would add some 20 MB to the idle RSS for
   * the few who need them. */
  static const char * const plugins[] = {
    "webrtcbin", "rtpbin", "nicesrc", "dtlssrtpenc", "srtpenc", "rtph264pay",
    "rtpulpfecenc", "x264enc", "h264parse",
  };
  GstElement *dec = gst_element_factory_make ("dtlsdec", NULL);

  if (dec != NULL)
    gst_object_unref (gst_object_ref_sink (dec));
  for (guint i = 0; i < G_N_ELEMENTS (plugins); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (plugins[i]);
      g_autoptr(GstPluginFeature) loaded = NULL;

      if (factory != NULL)
        loaded = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
    }
  return NULL;
}

static void
warm_up_webrtc_once (void)
{
  g_mutex_lock (&warm_up_lock);
  if (!warm_up_started)
    {
      warm_up_started = TRUE;
      warm_up_thread = g_thread_new ("on-air-warm-up", warm_up_webrtc, NULL);
    }
  g_mutex_unlock (&warm_up_lock);
}

/* A process that exits while the key is being made crashes inside
 * OpenSSL: whoever lets go of a server waits for it (once, at most about
 * a second, and only right after the first start). */
static void
join_warm_up (void)
{
  GThread *thread;

  g_mutex_lock (&warm_up_lock);
  thread = g_steal_pointer (&warm_up_thread);
  g_mutex_unlock (&warm_up_lock);
  if (thread != NULL)
    g_thread_join (thread);
}

/* Early: before a body is read, refuse the ones we would never accept. */
static void
handle_early (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length;

  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      length = soup_message_headers_get_content_length (headers);
      if (length > ON_AIR_SERVER_MAX_BODY)
        {
          add_cors (msg);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Connection", "close");
          respond_text (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "The request body is too large");
        }
      break;
    case SOUP_ENCODING_NONE:
      break;
    default:
      add_cors (msg);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      respond_text (msg, SOUP_STATUS_LENGTH_REQUIRED, "Send the body with a Content-Length");
      break;
    }
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
on_air_server_dispose (GObject *object)
{
  OnAirServer *self = ON_AIR_SERVER (object);

  on_air_server_stop (self);
  join_warm_up ();
  g_clear_signal_handler (&self->jpeg_handler, self->broadcast);
  g_clear_signal_handler (&self->mjpeg_removed_handler, self->broadcast);
  g_clear_object (&self->soup);
  g_clear_object (&self->broadcast);

  G_OBJECT_CLASS (on_air_server_parent_class)->dispose (object);
}

static void
on_air_server_finalize (GObject *object)
{
  OnAirServer *self = ON_AIR_SERVER (object);

  g_clear_pointer (&self->token, g_free);
  g_clear_object (&self->viewers);
  g_ptr_array_unref (self->mjpeg_clients);
  g_ptr_array_unref (self->pending_snapshots);
  g_hash_table_unref (self->peers);

  G_OBJECT_CLASS (on_air_server_parent_class)->finalize (object);
}

static void
on_air_server_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OnAirServer *self = ON_AIR_SERVER (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_LISTENING:
      g_value_set_boolean (value, self->soup != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
on_air_server_class_init (OnAirServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = on_air_server_dispose;
  object_class->finalize = on_air_server_finalize;
  object_class->get_property = on_air_server_get_property;

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LISTENING] =
    g_param_spec_boolean ("listening", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Registered by hand: a constructor in a static library may be dropped
   * by the linker. */
  onair_web_register_resource ();
}

static void
on_air_server_init (OnAirServer *self)
{
  self->max_viewers = ON_AIR_SERVER_DEFAULT_MAX_VIEWERS;
  self->viewers = g_list_store_new (ON_AIR_TYPE_VIEWER);
  self->mjpeg_clients = g_ptr_array_new ();
  self->pending_snapshots = g_ptr_array_new_with_free_func (g_object_unref);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, peer_entry_free);
}

/* ---------------------------------------------------------------------- */
/* public API                                                             */

OnAirServer *
on_air_server_new (OnAirBroadcast *broadcast)
{
  OnAirServer *self;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (broadcast), NULL);

  self = g_object_new (ON_AIR_TYPE_SERVER, NULL);
  self->broadcast = g_object_ref (broadcast);
  self->jpeg_handler = g_signal_connect (broadcast, "jpeg-frame", G_CALLBACK (on_jpeg_frame), self);
  self->mjpeg_removed_handler = g_signal_connect (broadcast, "mjpeg-client-removed",
                                                  G_CALLBACK (on_mjpeg_client_removed), self);
  return self;
}

void
on_air_server_set_token (OnAirServer *self, const char *token)
{
  g_return_if_fail (ON_AIR_IS_SERVER (self));
  g_return_if_fail (token == NULL || on_air_token_is_valid (token));

  g_free (self->token);
  self->token = g_strdup (token);
}

const char *
on_air_server_get_token (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), NULL);
  return self->token;
}

void
on_air_server_set_max_viewers (OnAirServer *self, guint max_viewers)
{
  g_return_if_fail (ON_AIR_IS_SERVER (self));
  self->max_viewers = max_viewers;
}

#if !SOUP_CHECK_VERSION (3, 3, 0)
/* libsoup before 3.3 never closes a kept-alive connection that the client
 * closed while it was idle (libsoup commit d20c6601): every phone that
 * loaded the page would leave descriptors behind until none were left.
 * One request per connection instead; on a LAN the extra handshake costs
 * a round trip of a few milliseconds. */
static void
close_after_response (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}
#endif

gboolean
on_air_server_listen (OnAirServer *self, const char *address, guint port, GError **error)
{
  g_autoptr(SoupServer) soup = NULL;
  g_autoptr(GError) local_error = NULL;
  GSList *uris;
  gboolean ok;

  g_return_val_if_fail (ON_AIR_IS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->soup != NULL)
    return TRUE;

  soup = soup_server_new ("server-header", "OnAir/" PACKAGE_VERSION " ", NULL);
#if !SOUP_CHECK_VERSION (3, 3, 0)
  g_signal_connect (soup, "request-started", G_CALLBACK (close_after_response), NULL);
#endif
  soup_server_add_early_handler (soup, "/whep", handle_early, self, NULL);
  soup_server_add_early_handler (soup, "/offer", handle_early, self, NULL);
  soup_server_add_handler (soup, "/", handle_static, self, NULL);
  soup_server_add_handler (soup, "/stream.mjpg", handle_mjpeg, self, NULL);
  soup_server_add_handler (soup, "/video_feed", handle_mjpeg, self, NULL);
  soup_server_add_handler (soup, "/snapshot.jpg", handle_snapshot, self, NULL);
  soup_server_add_handler (soup, "/whep", handle_whep, self, NULL);
  soup_server_add_handler (soup, "/offer", handle_offer, self, NULL);
  soup_server_add_handler (soup, "/api/status", handle_status, self, NULL);

  if (address == NULL)
    ok = soup_server_listen_all (soup, port, 0, &local_error);
  else
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
      g_autoptr(GSocketAddress) sockaddr = NULL;

      if (inet == NULL)
        {
          g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_LISTEN,
                       _("“%s” is not an IP address"), address);
          return FALSE;
        }
      sockaddr = g_inet_socket_address_new (inet, port);
      ok = soup_server_listen (soup, sockaddr, 0, &local_error);
    }

  if (!ok)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_PORT_IN_USE,
                     _("Port %u is already in use by another program"), port);
      else
        g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_LISTEN,
                     _("Cannot listen on port %u: %s"), port, local_error->message);
      return FALSE;
    }

  uris = soup_server_get_uris (soup);
  self->port = uris ? (guint) g_uri_get_port (uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  self->soup = g_steal_pointer (&soup);
  self->started_at = g_get_monotonic_time ();
  warm_up_webrtc_once ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
  return TRUE;
}

guint
on_air_server_get_port (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), 0);
  return self->port;
}

gboolean
on_air_server_is_listening (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), FALSE);
  return self->soup != NULL;
}

void
on_air_server_stop (OnAirServer *self)
{
  g_return_if_fail (ON_AIR_IS_SERVER (self));

  finish_pending_snapshots (self, NULL);
  g_clear_handle_id (&self->snapshot_linger, g_source_remove);
  if (self->snapshot_hold)
    {
      self->snapshot_hold = FALSE;
      on_air_broadcast_release_jpeg (self->broadcast);
    }

  while (self->mjpeg_clients->len > 0)
    {
      MjpegClient *client = g_ptr_array_steal_index (self->mjpeg_clients, self->mjpeg_clients->len - 1);

      if (client->socket != NULL)
        on_air_broadcast_remove_mjpeg_client (self->broadcast, client->socket);
      mjpeg_client_free (client);
    }
  g_hash_table_remove_all (self->peers);
  g_list_store_remove_all (self->viewers);

  if (self->soup != NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LISTENING]);
    }
}

GListModel *
on_air_server_get_viewers (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), NULL);
  return G_LIST_MODEL (self->viewers);
}

OnAirBroadcast *
on_air_server_get_broadcast (OnAirServer *self)
{
  g_return_val_if_fail (ON_AIR_IS_SERVER (self), NULL);
  return self->broadcast;
}
