/* on-air-live-panel.h: while broadcasting, the viewer link, its QR code and who watches
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ON_AIR_TYPE_LIVE_PANEL (on_air_live_panel_get_type ())
G_DECLARE_FINAL_TYPE (OnAirLivePanel, on_air_live_panel, ON_AIR, LIVE_PANEL, GtkBox)

/* ::error (const char *message) tells of a problem the user should see:
 * the link does not fit in a QR code. */

/* The link to a server listening on @port, with @token (NULL: none), at
 * one of this computer's addresses (the user picks which when there are
 * several), or at @bind when the server listens on that one only. */
void        on_air_live_panel_show_link      (OnAirLivePanel *self,
                                              const char     *bind,
                                              guint           port,
                                              const char     *token);
void        on_air_live_panel_clear_link     (OnAirLivePanel *self);
/* A list of OnAirViewer (NULL: none). */
void        on_air_live_panel_set_viewers    (OnAirLivePanel *self,
                                              GListModel     *viewers);
GListModel *on_air_live_panel_get_viewers    (OnAirLivePanel *self);
/* NULL while no link is shown. */
const char *on_air_live_panel_get_viewer_url (OnAirLivePanel *self);
GdkTexture *on_air_live_panel_get_qr_texture (OnAirLivePanel *self);

G_END_DECLS
