/* on-air-preview-paintable.h: the newest preview frame as a GdkPaintable
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define ON_AIR_TYPE_PREVIEW_PAINTABLE (on_air_preview_paintable_get_type ())
G_DECLARE_FINAL_TYPE (OnAirPreviewPaintable, on_air_preview_paintable, ON_AIR, PREVIEW_PAINTABLE, GObject)

OnAirPreviewPaintable *on_air_preview_paintable_new          (void);
/* Shows @sample (BGRA video) from now on; main thread only. */
void                   on_air_preview_paintable_push_sample  (OnAirPreviewPaintable *self,
                                                              GstSample             *sample);
/* Forgets the current frame: the paintable becomes empty. */
void                   on_air_preview_paintable_clear        (OnAirPreviewPaintable *self);
/* The size (in application pixels) the frame was last drawn at; 0×0
 * before the first draw. "display-size-changed" says when it changes,
 * emitted from an idle after the draw. */
void                   on_air_preview_paintable_get_display_size (OnAirPreviewPaintable *self,
                                                                  int                   *width,
                                                                  int                   *height);
/* The current frame, or NULL. */
GdkTexture            *on_air_preview_paintable_get_texture  (OnAirPreviewPaintable *self);

typedef struct
{
  guint64 frames_pushed;    /* textures made from samples */
  guint64 frames_drawn;     /* snapshots of a texture not drawn before */
  gint64  push_time_us;     /* main-thread time spent making textures */
  gint64  snapshot_time_us; /* main-thread time spent in snapshot */
} OnAirPreviewStats;

void                   on_air_preview_paintable_get_stats    (OnAirPreviewPaintable *self,
                                                              OnAirPreviewStats     *stats);

G_END_DECLS
