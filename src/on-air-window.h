/* on-air-window.h: the main window, a shell around its panels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "on-air-application.h"
#include "on-air-broadcast.h"
#include "on-air-preview-paintable.h"
#include "on-air-server.h"

G_BEGIN_DECLS

#define ON_AIR_TYPE_WINDOW (on_air_window_get_type ())
G_DECLARE_FINAL_TYPE (OnAirWindow, on_air_window, ON_AIR, WINDOW, AdwApplicationWindow)

/* With the application's command-line options. */
OnAirWindow           *on_air_window_new              (OnAirApplication *application);
/* @options NULL: everything as the settings say. */
OnAirWindow           *on_air_window_new_with_options (OnAirApplication   *application,
                                                       const OnAirOptions *options);
/* Both report failure in the window (a toast) and never abort. */
void                   on_air_window_start_broadcast  (OnAirWindow      *self);
void                   on_air_window_stop_broadcast   (OnAirWindow      *self);
gboolean               on_air_window_get_broadcasting (OnAirWindow      *self);
/* A message for the person, shown until dismissed. */
void                   on_air_window_show_message     (OnAirWindow      *self,
                                                       const char       *message);
/* Shows @source (as --source takes it), as if chosen in the window; a
 * live broadcast keeps its viewers and link. */
void                   on_air_window_choose_source    (OnAirWindow      *self,
                                                       const char       *source);
/* While broadcasting: the address the window shows and the QR code carries. */
const char            *on_air_window_get_viewer_url   (OnAirWindow      *self);
GdkTexture            *on_air_window_get_qr_texture   (OnAirWindow      *self);
OnAirPreviewPaintable *on_air_window_get_preview      (OnAirWindow      *self);
/* NULL while no usable source is chosen. */
OnAirBroadcast        *on_air_window_get_broadcast    (OnAirWindow      *self);
/* NULL while not broadcasting. */
OnAirServer           *on_air_window_get_server       (OnAirWindow      *self);

G_END_DECLS
