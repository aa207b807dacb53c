/* on-air-application.h: the desktop application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "on-air-headless.h"

G_BEGIN_DECLS

#define ON_AIR_TYPE_APPLICATION (on_air_application_get_type ())
G_DECLARE_FINAL_TYPE (OnAirApplication, on_air_application, ON_AIR, APPLICATION, AdwApplication)

/* @options: what the command line chose (copied); NULL for none. */
OnAirApplication   *on_air_application_new         (const OnAirOptions *options);
const OnAirOptions *on_air_application_get_options (OnAirApplication   *self);
const GError       *on_air_application_get_camera_error (OnAirApplication *self);

G_END_DECLS
