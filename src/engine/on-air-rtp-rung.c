/* on-air-rtp-rung.c
 *
 * Moving a WebRTC viewer between rungs: the shared encode and a lower-
 * bitrate one for viewers whose link cannot carry it. Each rung has its
 * own payloader groups; every payloader sends with the broadcast's SSRC
 * and RTP timestamp base, so a viewer's stream stays the one its answer
 * described. A move hangs the viewer's funnel on the target group's tee
 * as well, lets its packets through from the first keyframe (and the old
 * group's no more), and renumbers the viewer's packets from then on so
 * that its sequence runs on without a jump. No new negotiation.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-rtp-rung"

#include "config.h"

#include <gst/rtp/rtp.h>
#include <gst/video/video.h>

#include "on-air-rtp-fanout-private.h"

/* How long a move waits for the target rung's keyframe before it goes
 * without (the picture then mends at the next one). A new encoder starts
 * with one, a running one is asked; a pass-through camera cannot be
 * asked, and its own interval is a few seconds at most. */
#define MOVE_WAIT_MS 6000

const char *
on_air_rung_to_string (OnAirRung rung)
{
  return rung == ON_AIR_RUNG_LOW ? "low" : "high";
}

/* ---------------------------------------------------------------------- */
/* streaming threads                                                      */

static guint16
seq_of (GstBuffer *buffer)
{
  guint8 bytes[2] = { 0, 0 };

  gst_buffer_extract (buffer, 2, bytes, 2);
  return (guint16) ((bytes[0] << 8) | bytes[1]);
}

/* Adds @delta to the packet's sequence number, in a copy of its header
 * (the payload stays shared with the other viewers). */
static void
renumber (GstBuffer *buffer, guint16 delta)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;

  if (gst_rtp_buffer_map (buffer, GST_MAP_READWRITE, &rtp))
    {
      gst_rtp_buffer_set_seq (&rtp, (guint16) (gst_rtp_buffer_get_seq (&rtp) + delta));
      gst_rtp_buffer_unmap (&rtp);
    }
}

/* Under the tap's lock: gives the packets the viewer's numbers, and
 * remembers the last one sent. */
static void
number_packets (OnAirRtpTap *tap, GstPadProbeInfo *info)
{
  GstBuffer *last;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
      guint n = gst_buffer_list_length (list);

      if (n == 0)
        return;
      if (tap->seq_delta != 0)
        {
          list = gst_buffer_list_make_writable (list);
          for (guint i = 0; i < n; i++)
            renumber (gst_buffer_list_get_writable (list, i), tap->seq_delta);
          GST_PAD_PROBE_INFO_DATA (info) = list;
        }
      last = gst_buffer_list_get (list, n - 1);
    }
  else
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

      if (tap->seq_delta != 0)
        {
          buffer = gst_buffer_make_writable (buffer);
          renumber (buffer, tap->seq_delta);
          GST_PAD_PROBE_INFO_DATA (info) = buffer;
        }
      last = buffer;
    }
  /* Renumbered already: its number is the viewer's. */
  tap->last_seq = seq_of (last);
  tap->have_seq = TRUE;
}

typedef struct
{
  OnAirBroadcast *broadcast;
  guint64         serial;
} TapRef;

static void
tap_ref_free (gpointer data)
{
  TapRef *ref = data;

  g_object_unref (ref->broadcast);
  g_free (ref);
}

static gboolean finish_move_on_main (gpointer user_data);

GstPadProbeReturn
on_air_rtp_rung_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirRtpTap *tap = user_data;
  GstBuffer *first = on_air_rtp_probe_first_buffer (info);
  gboolean moved_now = FALSE;
  gboolean pass;

  if (first == NULL)
    return GST_PAD_PROBE_OK;

  g_mutex_lock (&tap->lock);
  if (pad == tap->waiting_pad &&
      (tap->move_forced || on_air_rtp_starts_keyframe (first, tap->codec)))
    {
      tap->live_pad = pad;
      tap->waiting_pad = NULL;
      tap->moved = moved_now = TRUE;
      tap->seq_delta = tap->have_seq ? (guint16) (tap->last_seq + 1 - seq_of (first)) : 0;
    }
  pass = pad == tap->live_pad;
  if (pass)
    number_packets (tap, info);
  g_mutex_unlock (&tap->lock);

  if (moved_now)
    {
      TapRef *ref = g_new0 (TapRef, 1);

      ref->broadcast = g_object_ref (tap->broadcast);
      ref->serial = tap->serial;
      on_air_broadcast_run_on_main (tap->broadcast, finish_move_on_main, ref, tap_ref_free);
    }
  return pass ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

/* ---------------------------------------------------------------------- */
/* moves (main context)                                                   */

static OnAirRtpTap *
find_tap (OnAirBroadcast *self, guint64 serial)
{
  for (guint i = 0; i < self->taps->len; i++)
    {
      OnAirRtpTap *tap = g_ptr_array_index (self->taps, i);

      if (tap->serial == serial)
        return tap;
    }
  return NULL;
}

static void
drop_pads (OnAirRtpTap *tap, OnAirRtpGroup *group, GstPad **tee_pad, GstPad **funnel_pad)
{
  gst_pad_unlink (*tee_pad, *funnel_pad);
  gst_element_release_request_pad (group->tee, *tee_pad);
  gst_element_release_request_pad (tap->funnel, *funnel_pad);
  gst_clear_object (tee_pad);
  gst_clear_object (funnel_pad);
}

/* The new rung's packets flow: the old group's pads and the group go. */
static void
finish_move (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  OnAirRtpGroup *old = tap->group;

  g_assert (tap->moved && tap->next_group != NULL);

  g_clear_handle_id (&tap->move_timeout, g_source_remove);
  drop_pads (tap, old, &tap->tee_pad, &tap->funnel_pad);
  tap->group = g_steal_pointer (&tap->next_group);
  tap->tee_pad = g_steal_pointer (&tap->next_tee_pad);
  tap->funnel_pad = g_steal_pointer (&tap->next_funnel_pad);
  g_mutex_lock (&tap->lock);
  tap->moved = FALSE;
  g_mutex_unlock (&tap->lock);
  g_debug ("A viewer moved to the %s rung after %" G_GINT64_FORMAT " ms",
           on_air_rung_to_string (tap->group->rung),
           (g_get_monotonic_time () - tap->move_started_at) / 1000);
  on_air_rtp_group_release (self, old);
}

static gboolean
finish_move_on_main (gpointer user_data)
{
  TapRef *ref = user_data;
  OnAirRtpTap *tap = find_tap (ref->broadcast, ref->serial);

  if (tap != NULL && tap->next_group != NULL && tap->moved)
    finish_move (ref->broadcast, tap);
  return G_SOURCE_REMOVE;
}

void
on_air_rtp_rung_cancel_move (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  gboolean moved;

  if (tap->next_group == NULL)
    return;
  g_mutex_lock (&tap->lock);
  moved = tap->moved;
  tap->waiting_pad = NULL;
  g_mutex_unlock (&tap->lock);
  if (moved)
    {
      /* Too late to undo: the viewer gets the new rung's packets. */
      finish_move (self, tap);
      return;
    }
  g_clear_handle_id (&tap->move_timeout, g_source_remove);
  drop_pads (tap, tap->next_group, &tap->next_tee_pad, &tap->next_funnel_pad);
  on_air_rtp_group_release (self, g_steal_pointer (&tap->next_group));
}

static gboolean
move_waited_too_long (gpointer user_data)
{
  TapRef *ref = user_data;
  OnAirRtpTap *tap = find_tap (ref->broadcast, ref->serial);

  if (tap != NULL)
    {
      tap->move_timeout = 0;
      g_debug ("No keyframe on the %s rung after %d ms: the viewer moves without",
               on_air_rung_to_string (tap->next_group->rung), MOVE_WAIT_MS);
      g_mutex_lock (&tap->lock);
      tap->move_forced = TRUE;
      g_mutex_unlock (&tap->lock);
    }
  return G_SOURCE_REMOVE;
}

static guint
add_move_timeout (OnAirBroadcast *self, OnAirRtpTap *tap)
{
  g_autoptr(GSource) source = g_timeout_source_new (MOVE_WAIT_MS);
  TapRef *ref = g_new0 (TapRef, 1);

  ref->broadcast = g_object_ref (self);
  ref->serial = tap->serial;
  g_source_set_callback (source, move_waited_too_long, ref, tap_ref_free);
  return g_source_attach (source, self->context);
}

gboolean
on_air_broadcast_move_webrtc (OnAirBroadcast *self, OnAirRtpTap *tap, OnAirRung rung)
{
  OnAirRtpGroup *group;

  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), FALSE);
  g_return_val_if_fail (tap != NULL, FALSE);

  if (tap->codec != ON_AIR_CODEC_H264 && rung != ON_AIR_RUNG_HIGH)
    return FALSE;
  if (tap->next_group != NULL && tap->next_group->rung == rung)
    return TRUE; /* on its way */
  on_air_rtp_rung_cancel_move (self, tap);
  if (tap->group->rung == rung)
    return TRUE;

  group = on_air_rtp_group_acquire (self, tap->codec, tap->group->pt, rung);
  if (group == NULL)
    return FALSE;
  tap->next_group = group;
  tap->next_funnel_pad = gst_element_request_pad_simple (tap->funnel, "sink_%u");
  gst_pad_add_probe (tap->next_funnel_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_air_rtp_rung_probe, tap, NULL);
  g_mutex_lock (&tap->lock);
  tap->waiting_pad = tap->next_funnel_pad;
  tap->move_forced = FALSE;
  tap->moved = FALSE;
  g_mutex_unlock (&tap->lock);
  tap->next_tee_pad = on_air_request_viewer_pad (group->tee);
  gst_pad_link (tap->next_tee_pad, tap->next_funnel_pad);

  tap->move_started_at = g_get_monotonic_time ();
  tap->move_timeout = add_move_timeout (self, tap);
  /* Only this rung's encoder: the others' viewers are not disturbed. */
  gst_element_send_event (group->pay,
                          gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, FALSE, 0));
  g_debug ("A viewer moves from the %s rung to the %s one", on_air_rung_to_string (tap->group->rung),
           on_air_rung_to_string (rung));
  return TRUE;
}

OnAirRung
on_air_rtp_tap_get_rung (OnAirRtpTap *tap)
{
  g_return_val_if_fail (tap != NULL, ON_AIR_RUNG_HIGH);
  return tap->group->rung;
}

guint32
on_air_rtp_tap_get_ssrc (OnAirRtpTap *tap)
{
  g_return_val_if_fail (tap != NULL, 0);
  return tap->broadcast->rtp_ssrc;
}
