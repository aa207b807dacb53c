/* on-air-route-mjpeg.c
 *
 * The MJPEG hand-off. libsoup validates the request and writes the
 * response headers; then the connection is taken over and its socket
 * handed to the broadcast's multisocketsink, which writes every frame
 * from a streaming thread. A viewer gets the newest frame only when its
 * previous one has left for the socket, so a slow phone skips frames
 * instead of queueing them (the ustreamer rule); the JPEG itself is one
 * shared buffer, never copied per viewer.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-route-mjpeg"

#include "config.h"

#include <sys/socket.h>

#include "on-air-server-private.h"

/* Bounds the bytes a slow MJPEG viewer can have in flight in the kernel
 * (Linux doubles it): about two 720p frames, so its picture stays live. */
#define MJPEG_SNDBUF (160 * 1024)

/* One MJPEG viewer, as the server knows it (the broadcast keeps its own
 * per-socket state). */
typedef struct
{
  OnAirServer *server;
  OnAirViewer *viewer;
  GSocket     *socket; /* NULL until the headers are out */
  GIOStream   *stream; /* the connection, taken from libsoup */
  SoupServerMessage *msg; /* until the headers are out */
} MjpegViewer;

static void
mjpeg_viewer_free (MjpegViewer *mv)
{
  if (mv->msg != NULL)
    g_signal_handlers_disconnect_by_data (mv->msg, mv);
  g_clear_object (&mv->msg);
  _on_air_server_remove_viewer (mv->server, mv->viewer);
  g_clear_object (&mv->viewer);
  g_clear_object (&mv->socket);
  if (mv->stream != NULL)
    g_io_stream_close (mv->stream, NULL, NULL);
  g_clear_object (&mv->stream);
  g_free (mv);
}

static void
drop_mjpeg_viewer (OnAirServer *self, MjpegViewer *mv)
{
  g_ptr_array_remove (self->mjpeg_viewers, mv);
  mjpeg_viewer_free (mv);
}

static MjpegViewer *
find_mjpeg_viewer (OnAirServer *self, GSocket *socket)
{
  for (guint i = 0; i < self->mjpeg_viewers->len; i++)
    {
      MjpegViewer *mv = g_ptr_array_index (self->mjpeg_viewers, i);
      if (mv->socket == socket)
        return mv;
    }
  return NULL;
}

/* The sink let go (the viewer hung up, or the source restarted). */
void
_on_air_server_mjpeg_client_removed_cb (OnAirBroadcast *broadcast, GSocket *socket, gpointer user_data)
{
  OnAirServer *self = user_data;
  MjpegViewer *mv = find_mjpeg_viewer (self, socket);

  if (mv == NULL)
    return;
  g_debug ("MJPEG viewer %s left", on_air_viewer_get_id (mv->viewer));
  drop_mjpeg_viewer (self, mv);
}

/* The connection ended (a reset, say) before the headers went out: the
 * viewer's slot is free again. */
static void
on_mjpeg_finished_early (SoupServerMessage *msg, gpointer user_data)
{
  MjpegViewer *mv = user_data;

  g_debug ("MJPEG viewer %s left before its headers went out", on_air_viewer_get_id (mv->viewer));
  drop_mjpeg_viewer (mv->server, mv);
}

static void
on_mjpeg_headers_written (SoupServerMessage *msg, gpointer user_data)
{
  MjpegViewer *mv = user_data;
  OnAirServer *self = mv->server;
  GSocket *socket = _on_air_server_message_socket (msg);

  g_signal_handlers_disconnect_by_data (msg, mv);
  g_clear_object (&mv->msg);
  if (socket == NULL)
    {
      drop_mjpeg_viewer (self, mv);
      return;
    }
  mv->socket = g_object_ref (socket);
  mv->stream = soup_server_message_steal_connection (msg);
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, MJPEG_SNDBUF, NULL);

  if (!on_air_broadcast_add_mjpeg_client (self->broadcast, socket))
    {
      drop_mjpeg_viewer (self, mv);
      return;
    }
  g_list_store_append (self->viewers, mv->viewer);
}

void
_on_air_server_serve_mjpeg (OnAirServer       *self,
                            SoupServerMessage *msg,
                            const char        *path,
                            GHashTable        *query,
                            gpointer           parsed)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *remote = soup_server_message_get_remote_host (msg);
  g_autofree char *id = _on_air_server_new_viewer_id ();
  MjpegViewer *mv;

  mv = g_new0 (MjpegViewer, 1);
  mv->server = self;
  mv->viewer = on_air_viewer_new (id, "mjpeg", remote, "JPEG");
  g_ptr_array_add (self->mjpeg_viewers, mv);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  /* The body runs until the connection closes. */
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_EOF);
  soup_message_headers_set_content_type (headers, "multipart/x-mixed-replace;boundary=" ON_AIR_MJPEG_BOUNDARY, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store, no-cache, must-revalidate");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
  soup_message_headers_replace (headers, "Connection", "close");
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (on_mjpeg_headers_written), mv);
  g_signal_connect (msg, "finished", G_CALLBACK (on_mjpeg_finished_early), mv);
  mv->msg = g_object_ref (msg);
  g_debug ("MJPEG viewer %s joined from %s", id, remote);
}

void
_on_air_server_refresh_mjpeg_counters (OnAirServer *self)
{
  for (guint i = 0; i < self->mjpeg_viewers->len; i++)
    {
      MjpegViewer *mv = g_ptr_array_index (self->mjpeg_viewers, i);
      guint64 sent = 0, dropped = 0;

      if (mv->socket != NULL &&
          on_air_broadcast_get_mjpeg_client_stats (self->broadcast, mv->socket, &sent, &dropped))
        on_air_viewer_set_frames (mv->viewer, sent, dropped);
    }
}

void
_on_air_server_stop_mjpeg (OnAirServer *self)
{
  while (self->mjpeg_viewers->len > 0)
    {
      MjpegViewer *mv = g_ptr_array_steal_index (self->mjpeg_viewers, self->mjpeg_viewers->len - 1);

      if (mv->socket != NULL)
        on_air_broadcast_remove_mjpeg_client (self->broadcast, mv->socket);
      mjpeg_viewer_free (mv);
    }
}
