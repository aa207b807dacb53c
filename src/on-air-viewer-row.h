/* on-air-viewer-row.h: one viewer in the window's list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "on-air-viewer.h"

G_BEGIN_DECLS

#define ON_AIR_TYPE_VIEWER_ROW (on_air_viewer_row_get_type ())
G_DECLARE_FINAL_TYPE (OnAirViewerRow, on_air_viewer_row, ON_AIR, VIEWER_ROW, AdwActionRow)

GtkWidget   *on_air_viewer_row_new        (OnAirViewer    *viewer);
OnAirViewer *on_air_viewer_row_get_viewer (OnAirViewerRow *self);

G_END_DECLS
