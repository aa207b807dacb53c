/* on-air-sharing-panel.h: the port and who may watch, for the next broadcast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ON_AIR_TYPE_SHARING_PANEL (on_air_sharing_panel_get_type ())
G_DECLARE_FINAL_TYPE (OnAirSharingPanel, on_air_sharing_panel, ON_AIR, SHARING_PANEL, AdwPreferencesGroup)

/* Shows the command line's choices instead of the saved ones, and does
 * not save them: @port (-1: none; 0: any free port), @open (FALSE: as
 * saved), @title (NULL: as saved) and @no_sound (FALSE: as saved). What
 * the user then changes is saved. */
void     on_air_sharing_panel_apply_command_line (OnAirSharingPanel *self,
                                                  int                port,
                                                  gboolean           open,
                                                  const char        *title,
                                                  gboolean           no_sound);
/* The title viewers see ("broadcast-title"); empty: the camera's name. */
const char *on_air_sharing_panel_get_title       (OnAirSharingPanel *self);
/* Where the next broadcast listens; 0: any free port. */
int      on_air_sharing_panel_get_port           (OnAirSharingPanel *self);
/* Whether anyone on the network can watch, without an access code. */
gboolean on_air_sharing_panel_get_open           (OnAirSharingPanel *self);
/* Whether viewers hear the source's sound ("sound"). */
gboolean on_air_sharing_panel_get_sound          (OnAirSharingPanel *self);

G_END_DECLS
