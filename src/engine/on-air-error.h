/* on-air-error.h: the engine's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ON_AIR_ERROR (on_air_error_quark ())

typedef enum
{
  ON_AIR_ERROR_INVALID_SOURCE,  /* the SRC string cannot be understood */
  ON_AIR_ERROR_NO_CAMERA,       /* "camera" asked for, none present */
  ON_AIR_ERROR_MISSING_ELEMENT, /* a GStreamer plugin is not installed */
  ON_AIR_ERROR_SOURCE_FAILED,   /* the camera or stream failed at run time */
  ON_AIR_ERROR_BAD_OFFER,       /* SDP offer unusable */
  ON_AIR_ERROR_NO_CODEC,        /* offer lists no codec we can send */
  ON_AIR_ERROR_NEGOTIATION,     /* webrtcbin could not answer */
  ON_AIR_ERROR_PORT_IN_USE,
  ON_AIR_ERROR_LISTEN,
  ON_AIR_ERROR_CAMERA_GONE,     /* the camera asked for is not connected (now) */
  ON_AIR_ERROR_CAMERA_DENIED,   /* the camera portal refused access */
  ON_AIR_ERROR_PORTAL,          /* sandboxed, and the camera portal failed */
} OnAirError;

GQuark on_air_error_quark (void);

G_END_DECLS
