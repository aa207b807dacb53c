/* on-air-mjpeg-fanout.c
 *
 * MJPEG viewers: one multisocketsink behind the JPEG stage serves every
 * client socket the server hands over. A pad probe turns each JPEG into a
 * whole multipart part, so the sink writes a part with one vectored send
 * and a client that falls behind skips whole parts to the newest. The
 * branch exists while there are clients.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-mjpeg-fanout"

#include "config.h"

#include <string.h>

#include "on-air-broadcast-private.h"

/* A socket the sink serves (the server's own client is another thing). */
typedef struct
{
  GSocket *socket;
  gssize   parts_at_join;
} MjpegSinkClient;


static void
free_part_header (gpointer data)
{
  g_free (data);
}

/* Streaming thread: each JPEG becomes one whole multipart part in one
 * buffer (header, the JPEG's own memory, CRLF), so the sink writes it with
 * one vectored send and only ever skips whole parts. */
static GstPadProbeReturn
frame_part_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirBroadcast *self = user_data;
  GstBuffer *jpeg = GST_PAD_PROBE_INFO_BUFFER (info);
  GstBuffer *part = gst_buffer_new ();
  gsize size = gst_buffer_get_size (jpeg);
  char *head = g_strdup_printf ("--" ON_AIR_MJPEG_BOUNDARY "\r\nContent-Type: image/jpeg\r\n"
                                "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", size);
  gsize head_len = strlen (head);
  static const char crlf[] = "\r\n";

  gst_buffer_append_memory (part, gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY, head, head_len + 1,
                                                          0, head_len, head, free_part_header));
  gst_buffer_copy_into (part, jpeg, GST_BUFFER_COPY_METADATA | GST_BUFFER_COPY_MEMORY, 0, -1);
  gst_buffer_append_memory (part, gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY, (gpointer) crlf,
                                                          2, 0, 2, NULL, NULL));
  gst_buffer_unref (jpeg);
  GST_PAD_PROBE_INFO_DATA (info) = part;
  g_atomic_pointer_add (&self->mjpeg_parts, 1);
  return GST_PAD_PROBE_OK;
}

static void
release_branch (OnAirBroadcast *self)
{
  if (self->mjpeg_branch == NULL)
    return;
  self->mjpeg_sink = NULL;
  on_air_branch_free (self, g_steal_pointer (&self->mjpeg_branch));
  on_air_broadcast_give_back_memory (self);
}

/* Main context: the client is gone from the sink; tell the owner. */
static void
forget_client (OnAirBroadcast *self, GSocket *socket)
{
  if (!g_hash_table_remove (self->mjpeg_clients, socket))
    return;
  g_signal_emit (self, on_air_broadcast_signals[ON_AIR_BROADCAST_SIGNAL_MJPEG_CLIENT_REMOVED], 0,
                 socket);
  if (g_hash_table_size (self->mjpeg_clients) == 0)
    release_branch (self);
}

/* Main context: has the sink let go of @socket, then forgets it. */
static void
remove_client (OnAirBroadcast *self, GSocket *socket)
{
  g_object_ref (socket);
  if (self->mjpeg_sink != NULL)
    g_signal_emit_by_name (self->mjpeg_sink, "remove", socket);
  forget_client (self, socket);
  g_object_unref (socket);
}

static void
socket_removed_on_main (OnAirBroadcast *self, gpointer socket)
{
  forget_client (self, socket);
}

/* Any thread: the sink let go of a client (hung up, write error, or
 * removed by us). */
static void
on_client_socket_removed (GstElement *sink, GSocket *socket, gpointer user_data)
{
  on_air_broadcast_call_on_main (user_data, socket_removed_on_main, socket);
}

static gboolean
build_branch (OnAirBroadcast *self)
{
  OnAirBranch *branch = on_air_branch_new (ON_AIR_FMT_JPEG);
  GstElement *queue = on_air_make_queue (TRUE, 1, 0);
  GstElement *sink = gst_element_factory_make ("multisocketsink", NULL);
  g_autoptr(GstPad) queue_src = gst_element_get_static_pad (queue, "src");

  on_air_branch_add (branch, queue);
  if (sink == NULL)
    {
      on_air_branch_discard (branch);
      return FALSE;
    }

  g_object_set (sink,
                "sync", FALSE,
                "async", FALSE,
                "qos", FALSE,
                "enable-last-sample", FALSE,
                "send-dispatched", FALSE,
                "send-messages", FALSE,
                /* A client more than one frame behind skips to the newest;
                 * one that reads nothing for 20 s is let go. */
                "units-soft-max", (gint64) 1,
                "units-max", (gint64) -1,
                "timeout", (guint64) 20 * GST_SECOND,
                NULL);
  gst_util_set_object_arg (G_OBJECT (sink), "unit-format", "buffers");
  gst_util_set_object_arg (G_OBJECT (sink), "recover-policy", "latest");
  gst_util_set_object_arg (G_OBJECT (sink), "sync-method", "latest");
  g_signal_connect_object (sink, "client-socket-removed", G_CALLBACK (on_client_socket_removed), self, 0);
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, frame_part_probe, self, NULL);

  on_air_branch_add (branch, sink);
  if (!on_air_branch_attach (self, branch, NULL))
    {
      on_air_branch_discard (branch);
      return FALSE;
    }
  self->mjpeg_branch = branch;
  self->mjpeg_sink = sink;
  return TRUE;
}

/* The sink goes with the pipeline: every MJPEG client is let go. */
void
on_air_mjpeg_fanout_teardown (OnAirBroadcast *self)
{
  g_autoptr(GList) sockets = NULL;

  if (self->mjpeg_sink != NULL)
    g_signal_handlers_disconnect_by_data (self->mjpeg_sink, self);
  sockets = g_hash_table_get_keys (self->mjpeg_clients);
  for (GList *l = sockets; l != NULL; l = l->next)
    remove_client (self, l->data);
  release_branch (self);
}

gboolean
on_air_broadcast_add_mjpeg_client (OnAirBroadcast *self, GSocket *socket)
{
  MjpegSinkClient *client;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);

  if (self->pipeline == NULL || g_hash_table_contains (self->mjpeg_clients, socket))
    return FALSE;
  if (self->mjpeg_sink == NULL && !build_branch (self))
    return FALSE;

  client = g_new0 (MjpegSinkClient, 1);
  client->socket = socket;
  client->parts_at_join = g_atomic_pointer_get (&self->mjpeg_parts);
  g_hash_table_insert (self->mjpeg_clients, g_object_ref (socket), client);
  g_signal_emit_by_name (self->mjpeg_sink, "add", socket);
  return TRUE;
}

void
on_air_broadcast_remove_mjpeg_client (OnAirBroadcast *self, GSocket *socket)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (G_IS_SOCKET (socket));

  if (!g_hash_table_contains (self->mjpeg_clients, socket))
    return;
  remove_client (self, socket);
}

gboolean
on_air_broadcast_get_mjpeg_client_stats (OnAirBroadcast *self,
                                         GSocket        *socket,
                                         guint64        *frames_sent,
                                         guint64        *frames_dropped)
{
  MjpegSinkClient *client;
  GstStructure *stats = NULL;
  guint64 dropped = 0;
  gssize total;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);

  client = g_hash_table_lookup (self->mjpeg_clients, socket);
  if (client == NULL || self->mjpeg_sink == NULL)
    return FALSE;
  g_signal_emit_by_name (self->mjpeg_sink, "get-stats", socket, &stats);
  if (stats != NULL)
    {
      gst_structure_get_uint64 (stats, "buffers-dropped", &dropped);
      gst_structure_free (stats);
    }
  total = g_atomic_pointer_get (&self->mjpeg_parts) - client->parts_at_join;
  *frames_dropped = dropped;
  *frames_sent = total > (gssize) dropped ? (guint64) total - dropped : 0;
  return TRUE;
}
