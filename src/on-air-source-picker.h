/* on-air-source-picker.h: what to show, a camera, a network camera or the test pattern
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ON_AIR_TYPE_SOURCE_PICKER (on_air_source_picker_get_type ())
G_DECLARE_FINAL_TYPE (OnAirSourcePicker, on_air_source_picker, ON_AIR, SOURCE_PICKER, AdwPreferencesGroup)

/* ::source-chosen (const char *source) tells that the user chose a row or
 * applied a network camera's address: @source is what to play, NULL while
 * the network camera has no usable address. The choice is saved already. */

/* Chooses the row for @source (from the command line; NULL: the saved
 * choice) and returns what to play: NULL while the network camera has no
 * address yet. Emits nothing. */
char       *on_air_source_picker_restore         (OnAirSourcePicker *self,
                                                  const char        *source);
/* The row chosen: a camera ("v4l2:///dev/videoN", even while unplugged),
 * "rtsp" or "test". */
const char *on_air_source_picker_get_chosen      (OnAirSourcePicker *self);
gboolean    on_air_source_picker_get_rtsp_chosen (OnAirSourcePicker *self);

G_END_DECLS
