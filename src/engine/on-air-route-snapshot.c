/* on-air-route-snapshot.c
 *
 * /snapshot.jpg: one JPEG picture. The newest frame is answered at once
 * when the JPEG branch runs; otherwise the request waits while the branch
 * starts, and the branch is kept a moment after, for the next one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-route-snapshot"

#include "config.h"

#include "on-air-http.h"
#include "on-air-server-private.h"

#define SNAPSHOT_TIMEOUT_S 5
#define SNAPSHOT_LINGER_S 3
#define RETRY_WITHOUT_PICTURE_S "5"

static void on_snapshot_finished (SoupServerMessage *msg, gpointer user_data);

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
        on_air_http_respond_bytes (msg, SOUP_STATUS_OK, "image/jpeg", frame);
      else
        on_air_http_respond_unavailable (msg, RETRY_WITHOUT_PICTURE_S, "No picture from the camera yet.");
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

void
_on_air_server_serve_snapshot (OnAirServer       *self,
                               SoupServerMessage *msg,
                               const char        *path,
                               GHashTable        *query,
                               gpointer           parsed)
{
  g_autoptr(GBytes) frame = on_air_broadcast_dup_latest_jpeg (self->broadcast, NULL);

  if (frame != NULL)
    {
      on_air_http_respond_bytes (msg, SOUP_STATUS_OK, "image/jpeg", frame);
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

void
_on_air_server_jpeg_frame_cb (OnAirBroadcast *broadcast, GBytes *frame, guint64 sequence, gpointer user_data)
{
  OnAirServer *self = user_data;

  if (self->pending_snapshots->len > 0)
    finish_pending_snapshots (self, frame);
}

/* Answers whoever still waits, and lets the JPEG branch go at once. */
void
_on_air_server_stop_snapshots (OnAirServer *self)
{
  finish_pending_snapshots (self, NULL);
  g_clear_handle_id (&self->snapshot_linger, g_source_remove);
  if (self->snapshot_hold)
    {
      self->snapshot_hold = FALSE;
      on_air_broadcast_release_jpeg (self->broadcast);
    }
}
