/* on-air-frame-slot.c
 *
 * The appsink slots: JPEG frames for snapshots and for the newest-frame
 * API, and BGRA frames for the window's preview. Each slot is one appsink
 * branch that exists while the slot has users. Its streaming thread keeps
 * only the newest sample, under the slot's lock, and schedules at most one
 * dispatch to the main context, where the slot's deliver function hands it
 * on.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-frame-slot"

#include "config.h"

#include <gst/app/gstappsink.h>

#include "on-air-broadcast-private.h"

static gboolean
slot_dispatch (gpointer user_data)
{
  OnAirFrameSlot *slot = user_data;
  g_autoptr(GstSample) sample = NULL;
  guint64 sequence;

  g_mutex_lock (&slot->lock);
  slot->dispatch_pending = FALSE;
  sample = slot->latest ? gst_sample_ref (slot->latest) : NULL;
  sequence = slot->sequence;
  g_mutex_unlock (&slot->lock);

  if (sample != NULL && slot->users > 0)
    slot->deliver (slot->self, sample, sequence);
  return G_SOURCE_REMOVE;
}

static void
slot_dispatch_done (gpointer user_data)
{
  OnAirFrameSlot *slot = user_data;
  g_object_unref (slot->self);
}

static GstFlowReturn
slot_new_sample (GstAppSink *sink, gpointer user_data)
{
  OnAirFrameSlot *slot = user_data;
  GstSample *sample = gst_app_sink_pull_sample (sink);
  gboolean schedule;

  if (sample == NULL)
    return GST_FLOW_OK;

  g_mutex_lock (&slot->lock);
  if (slot->latest != NULL)
    gst_sample_unref (slot->latest);
  slot->latest = sample;
  slot->sequence++;
  schedule = !slot->dispatch_pending;
  slot->dispatch_pending = TRUE;
  g_mutex_unlock (&slot->lock);

  if (schedule)
    {
      /* Keep the broadcast alive until the dispatch has run. */
      g_object_ref (slot->self);
      on_air_broadcast_run_on_main (slot->self, slot_dispatch, slot, slot_dispatch_done);
    }

  return GST_FLOW_OK;
}

static void
slot_build (OnAirFrameSlot *slot)
{
  OnAirBroadcast *self = slot->self;
  GstAppSinkCallbacks callbacks = { .new_sample = slot_new_sample };
  GstElement *sink;
  OnAirBranch *branch;

  g_assert (slot->branch == NULL);

  if (self->pipeline == NULL)
    return;

  sink = gst_element_factory_make ("appsink", NULL);
  g_object_set (sink,
                "sync", FALSE,
                "async", FALSE,
                "qos", FALSE,
                "max-buffers", 1,
                "drop", TRUE,
                "enable-last-sample", FALSE,
                NULL);

  branch = on_air_branch_new (slot->input);
  on_air_branch_add (branch, on_air_make_queue (TRUE, 1, 0));
  if (slot->max_width > 0)
    {
      g_autofree char *caps = NULL;

      on_air_branch_add (branch, gst_element_factory_make ("videoconvert", NULL));
      on_air_branch_add (branch, gst_element_factory_make ("videoscale", NULL));
      caps = g_strdup_printf ("video/x-raw,format=BGRA,width=[16,%d],height=[16,%d],"
                              "pixel-aspect-ratio=1/1",
                              slot->max_width, slot->max_height);
      on_air_branch_add (branch, on_air_make_capsfilter (caps));
    }
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, slot, NULL);
  on_air_branch_add (branch, sink);

  if (!on_air_branch_attach (self, branch, NULL))
    {
      on_air_branch_discard (branch);
      return;
    }
  slot->branch = branch;
}

static void
slot_acquire (OnAirFrameSlot *slot)
{
  slot->users++;
  if (slot->users == 1)
    slot_build (slot);
}

static void
slot_release (OnAirFrameSlot *slot)
{
  g_return_if_fail (slot->users > 0);

  slot->users--;
  if (slot->users == 0 && slot->branch != NULL)
    {
      on_air_branch_free (slot->self, g_steal_pointer (&slot->branch));
      g_mutex_lock (&slot->lock);
      g_clear_pointer (&slot->latest, gst_sample_unref);
      g_mutex_unlock (&slot->lock);
    }
}

static void
slot_init (OnAirFrameSlot *slot, OnAirBroadcast *self, OnAirFmt input, OnAirFrameFunc deliver)
{
  slot->self = self;
  slot->input = input;
  slot->deliver = deliver;
  g_mutex_init (&slot->lock);
}

static void
slot_clear (OnAirFrameSlot *slot)
{
  g_clear_pointer (&slot->latest, gst_sample_unref);
  g_mutex_clear (&slot->lock);
}

/* ---------------------------------------------------------------------- */
/* what each slot delivers                                                */

static void
deliver_jpeg (OnAirBroadcast *self, GstSample *sample, guint64 sequence)
{
  GBytes *bytes;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  /* The GBytes keeps the buffer mapped and alive while any viewer's
   * socket still writes from it: no copy per viewer. */
  bytes = g_bytes_new_with_free_func (map.data, map.size,
                                      (GDestroyNotify) gst_buffer_unref,
                                      gst_buffer_ref (buffer));
  gst_buffer_unmap (buffer, &map);
  g_clear_pointer (&self->latest_jpeg, g_bytes_unref);
  self->latest_jpeg = bytes;
  self->latest_jpeg_sequence = sequence;
  g_signal_emit (self, on_air_broadcast_signals[ON_AIR_BROADCAST_SIGNAL_JPEG_FRAME], 0,
                 bytes, sequence);
}

static void
deliver_preview (OnAirBroadcast *self, GstSample *sample, guint64 sequence)
{
  g_signal_emit (self, on_air_broadcast_signals[ON_AIR_BROADCAST_SIGNAL_PREVIEW_FRAME], 0, sample);
}

/* ---------------------------------------------------------------------- */
/* the broadcast's slots                                                  */

void
on_air_frame_slots_init (OnAirBroadcast *self)
{
  slot_init (&self->jpeg, self, ON_AIR_FMT_JPEG, deliver_jpeg);
  slot_init (&self->preview, self, ON_AIR_FMT_RAW, deliver_preview);
}

/* A new pipeline: the slots that have users get their branch again. */
void
on_air_frame_slots_build (OnAirBroadcast *self)
{
  if (self->jpeg.users > 0)
    slot_build (&self->jpeg);
  if (self->preview.users > 0)
    slot_build (&self->preview);
}

/* The pipeline goes: the slots keep their users, not their branch. */
void
on_air_frame_slots_teardown (OnAirBroadcast *self)
{
  if (self->jpeg.branch != NULL)
    on_air_branch_free (self, g_steal_pointer (&self->jpeg.branch));
  if (self->preview.branch != NULL)
    on_air_branch_free (self, g_steal_pointer (&self->preview.branch));
}

void
on_air_frame_slots_clear (OnAirBroadcast *self)
{
  slot_clear (&self->jpeg);
  slot_clear (&self->preview);
}

void
on_air_broadcast_acquire_jpeg (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  slot_acquire (&self->jpeg);
}

void
on_air_broadcast_release_jpeg (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  slot_release (&self->jpeg);
  if (self->jpeg.users == 0)
    g_clear_pointer (&self->latest_jpeg, g_bytes_unref);
}

GBytes *
on_air_broadcast_dup_latest_jpeg (OnAirBroadcast *self, guint64 *sequence)
{
  g_return_val_if_fail (ON_AIR_IS_BROADCAST (self), NULL);

  if (sequence != NULL)
    *sequence = self->latest_jpeg_sequence;
  return self->latest_jpeg ? g_bytes_ref (self->latest_jpeg) : NULL;
}

void
on_air_broadcast_acquire_preview (OnAirBroadcast *self, int max_width, int max_height)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  g_return_if_fail (max_width >= 16 && max_height >= 16);

  self->preview.max_width = max_width;
  self->preview.max_height = max_height;
  slot_acquire (&self->preview);
}

void
on_air_broadcast_release_preview (OnAirBroadcast *self)
{
  g_return_if_fail (ON_AIR_IS_BROADCAST (self));
  slot_release (&self->preview);
}
