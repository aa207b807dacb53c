/* on-air-sound-panel.h: while broadcasting, whether viewers hear sound, a
 * level meter and a mute switch
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "on-air-broadcast.h"

G_BEGIN_DECLS

#define ON_AIR_TYPE_SOUND_PANEL (on_air_sound_panel_get_type ())
G_DECLARE_FINAL_TYPE (OnAirSoundPanel, on_air_sound_panel, ON_AIR, SOUND_PANEL, AdwPreferencesGroup)

/* The broadcast whose sound is shown (NULL: none). The mute switch's
 * state applies to it at once, so a new source or broadcast stays muted. */
void     on_air_sound_panel_set_broadcast (OnAirSoundPanel *self,
                                           OnAirBroadcast  *broadcast);
/* "sharing": viewers hear the broadcast's sound now (a WebRTC viewer
 * takes it, sound is on and not muted). */
gboolean on_air_sound_panel_get_sharing   (OnAirSoundPanel *self);

G_END_DECLS
