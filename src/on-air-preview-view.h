/* on-air-preview-view.h: the picture of the source, or why there is none
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "on-air-broadcast.h"
#include "on-air-preview-paintable.h"

G_BEGIN_DECLS

/* Preview frames are asked of the engine at the size the picture shows
 * them (so GTK draws them unscaled), never larger than this. */
#define ON_AIR_PREVIEW_MAX_WIDTH  1280
#define ON_AIR_PREVIEW_MAX_HEIGHT 720

#define ON_AIR_TYPE_PREVIEW_VIEW (on_air_preview_view_get_type ())
G_DECLARE_FINAL_TYPE (OnAirPreviewView, on_air_preview_view, ON_AIR, PREVIEW_VIEW, GtkWidget)

/* The view takes the broadcast's preview frames (at the size it shows
 * them) and follows its state; NULL: nothing to show. */
void                   on_air_preview_view_set_broadcast     (OnAirPreviewView *self,
                                                              OnAirBroadcast   *broadcast);
OnAirBroadcast        *on_air_preview_view_get_broadcast     (OnAirPreviewView *self);
/* While there is no broadcast: ask for a network camera's address
 * instead of for a source. */
void                   on_air_preview_view_set_wants_address (OnAirPreviewView *self,
                                                              gboolean          wants_address);
gboolean               on_air_preview_view_get_wants_address (OnAirPreviewView *self);
OnAirPreviewPaintable *on_air_preview_view_get_paintable     (OnAirPreviewView *self);

G_END_DECLS
