/* on-air-slate.h: the picture viewers get while there is no source
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The slate's background (ARGB): what tells it apart from a camera's
 * picture, for people and for tests. */
#define ON_AIR_SLATE_ARGB 0xff1c2430u

typedef struct _OnAirSlate OnAirSlate;

OnAirSlate *on_air_slate_new        (GstElement *pipeline,
                                     int         width,
                                     int         height);
void        on_air_slate_play       (OnAirSlate *slate,
                                     GstPad     *sink);
void        on_air_slate_set_markup (OnAirSlate *slate,
                                     const char *markup);
void        on_air_slate_free       (OnAirSlate *slate);

G_END_DECLS
