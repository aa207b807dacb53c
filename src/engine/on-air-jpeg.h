/* on-air-jpeg.h: a cheap check that a camera's JPEG is a whole picture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE if @data is a baseline or progressive JPEG whose markers are whole
 * from SOI to the start of scan, with a frame header, and that ends with
 * EOI (padding after it allowed). Reads only the headers and the tail: it
 * does not decode. Cameras that fail it send pictures a decoder rejects. */
gboolean on_air_jpeg_looks_whole (const guint8 *data,
                                  gsize         size);

G_END_DECLS
