/* on-air-preview-paintable.c
 *
 * Turns the engine's BGRA preview samples into textures without copying:
 * each GdkTexture wraps the mapped GstBuffer, which stays alive (and
 * mapped) exactly as long as GTK holds the texture.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-preview-paintable"

#include "config.h"

#include <gst/video/video.h>
#include <gtk/gtk.h>

#include "on-air-preview-paintable.h"

struct _OnAirPreviewPaintable
{
  GObject     parent_instance;

  GdkTexture *texture;
  guint64     sequence;       /* of the current texture */
  guint64     drawn_sequence; /* of the last texture snapshot drew */
  int         display_width;
  int         display_height;
  guint       display_idle;
  OnAirPreviewStats stats;
};

enum {
  SIGNAL_DISPLAY_SIZE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void on_air_preview_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (OnAirPreviewPaintable, on_air_preview_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      on_air_preview_paintable_iface_init))

static void
mapped_frame_free (gpointer data)
{
  GstVideoFrame *frame = data;

  gst_video_frame_unmap (frame); /* drops the frame's buffer ref too */
  g_free (frame);
}

static GdkTexture *
texture_from_sample (GstSample *sample)
{
  g_autoptr(GBytes) bytes = NULL;
  GstVideoFrame *frame;
  GstVideoInfo info;
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  gsize stride;
  gsize size;
  int width;
  int height;

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;
  if (GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_BGRA)
    {
      g_debug ("Preview sample is %s, not BGRA; skipped",
               gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)));
      return NULL;
    }

  frame = g_new0 (GstVideoFrame, 1);
  if (!gst_video_frame_map (frame, &info, buffer, GST_MAP_READ))
    {
      g_free (frame);
      return NULL;
    }

  width = GST_VIDEO_FRAME_WIDTH (frame);
  height = GST_VIDEO_FRAME_HEIGHT (frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  size = stride * (height - 1) + (gsize) width * 4;
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (frame, 0), size,
                                      mapped_frame_free, frame);

  /* Every pixel the engine sends is opaque, so premultiplied BGRA (the
   * format GDK uploads without converting) is exact. */
  return gdk_memory_texture_new (width, height, GDK_MEMORY_B8G8R8A8_PREMULTIPLIED,
                                 bytes, stride);
}

static gboolean
emit_display_size_changed (gpointer user_data)
{
  OnAirPreviewPaintable *self = user_data;

  self->display_idle = 0;
  g_signal_emit (self, signals[SIGNAL_DISPLAY_SIZE_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

static void
on_air_preview_paintable_snapshot (GdkPaintable *paintable,
                                   GdkSnapshot  *snapshot,
                                   double        width,
                                   double        height)
{
  OnAirPreviewPaintable *self = ON_AIR_PREVIEW_PAINTABLE (paintable);
  gint64 start;

  if (self->texture == NULL)
    return;

  start = g_get_monotonic_time ();
  /* Not from inside the draw: whoever listens may change the pipeline. */
  if ((int) width != self->display_width || (int) height != self->display_height)
    {
      self->display_width = width;
      self->display_height = height;
      if (self->display_idle == 0)
        self->display_idle = g_idle_add_full (G_PRIORITY_DEFAULT, emit_display_size_changed, self, NULL);
    }
  gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
  if (self->drawn_sequence != self->sequence)
    {
      self->drawn_sequence = self->sequence;
      self->stats.frames_drawn++;
    }
  self->stats.snapshot_time_us += g_get_monotonic_time () - start;
}

static GdkPaintable *
on_air_preview_paintable_get_current_image (GdkPaintable *paintable)
{
  OnAirPreviewPaintable *self = ON_AIR_PREVIEW_PAINTABLE (paintable);

  if (self->texture != NULL)
    return GDK_PAINTABLE (g_object_ref (self->texture));
  return gdk_paintable_new_empty (0, 0);
}

static int
on_air_preview_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  OnAirPreviewPaintable *self = ON_AIR_PREVIEW_PAINTABLE (paintable);

  return self->texture ? gdk_texture_get_width (self->texture) : 0;
}

static int
on_air_preview_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  OnAirPreviewPaintable *self = ON_AIR_PREVIEW_PAINTABLE (paintable);

  return self->texture ? gdk_texture_get_height (self->texture) : 0;
}

static double
on_air_preview_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  OnAirPreviewPaintable *self = ON_AIR_PREVIEW_PAINTABLE (paintable);

  if (self->texture == NULL)
    return 0;
  return (double) gdk_texture_get_width (self->texture) / gdk_texture_get_height (self->texture);
}

static void
on_air_preview_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = on_air_preview_paintable_snapshot;
  iface->get_current_image = on_air_preview_paintable_get_current_image;
  iface->get_intrinsic_width = on_air_preview_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = on_air_preview_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = on_air_preview_paintable_get_intrinsic_aspect_ratio;
}

static void
on_air_preview_paintable_dispose (GObject *object)
{
  OnAirPreviewPaintable *self = ON_AIR_PREVIEW_PAINTABLE (object);

  g_clear_object (&self->texture);
  g_clear_handle_id (&self->display_idle, g_source_remove);

  G_OBJECT_CLASS (on_air_preview_paintable_parent_class)->dispose (object);
}

static void
on_air_preview_paintable_class_init (OnAirPreviewPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = on_air_preview_paintable_dispose;

  signals[SIGNAL_DISPLAY_SIZE_CHANGED] =
    g_signal_new ("display-size-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
on_air_preview_paintable_init (OnAirPreviewPaintable *self)
{
}

OnAirPreviewPaintable *
on_air_preview_paintable_new (void)
{
  return g_object_new (ON_AIR_TYPE_PREVIEW_PAINTABLE, NULL);
}

void
on_air_preview_paintable_push_sample (OnAirPreviewPaintable *self,
                                      GstSample             *sample)
{
  g_autoptr(GdkTexture) texture = NULL;
  gboolean size_changed;
  gint64 start;

  g_return_if_fail (ON_AIR_IS_PREVIEW_PAINTABLE (self));
  g_return_if_fail (GST_IS_SAMPLE (sample));

  start = g_get_monotonic_time ();
  texture = texture_from_sample (sample);
  if (texture == NULL)
    return;

  size_changed = self->texture == NULL ||
                 gdk_texture_get_width (self->texture) != gdk_texture_get_width (texture) ||
                 gdk_texture_get_height (self->texture) != gdk_texture_get_height (texture);
  g_set_object (&self->texture, texture);
  self->sequence++;
  self->stats.frames_pushed++;

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  self->stats.push_time_us += g_get_monotonic_time () - start;
}

void
on_air_preview_paintable_clear (OnAirPreviewPaintable *self)
{
  g_return_if_fail (ON_AIR_IS_PREVIEW_PAINTABLE (self));

  if (self->texture == NULL)
    return;
  g_clear_object (&self->texture);
  gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

void
on_air_preview_paintable_get_display_size (OnAirPreviewPaintable *self,
                                           int                   *width,
                                           int                   *height)
{
  g_return_if_fail (ON_AIR_IS_PREVIEW_PAINTABLE (self));

  if (width != NULL)
    *width = self->display_width;
  if (height != NULL)
    *height = self->display_height;
}

GdkTexture *
on_air_preview_paintable_get_texture (OnAirPreviewPaintable *self)
{
  g_return_val_if_fail (ON_AIR_IS_PREVIEW_PAINTABLE (self), NULL);
  return self->texture;
}

void
on_air_preview_paintable_get_stats (OnAirPreviewPaintable *self,
                                    OnAirPreviewStats     *stats)
{
  g_return_if_fail (ON_AIR_IS_PREVIEW_PAINTABLE (self));
  g_return_if_fail (stats != NULL);
  *stats = self->stats;
}
