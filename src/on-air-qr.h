/* on-air-qr.h: QR codes as textures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gdk/gdk.h>

G_BEGIN_DECLS

/* The four-module quiet zone the QR standard asks for around the code. */
#define ON_AIR_QR_QUIET_ZONE 4

/* A black-on-white QR code of @text, error correction level M, each module
 * a square of whole pixels so that the texture is about @target_size pixels
 * wide (never under 4 pixels per module), the quiet zone included. NULL
 * with @error set when @text does not fit in a QR code. */
GdkTexture *on_air_qr_texture_new (const char  *text,
                                   int          target_size,
                                   GError     **error);

G_END_DECLS
