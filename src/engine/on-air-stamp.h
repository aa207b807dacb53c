/* on-air-stamp.h: a time code drawn into frames, read back after decoding
 *
 * The capture time (wall clock, milliseconds modulo 2^32) as a row of 32
 * black or white 16×16 blocks at the top left, most significant bit first.
 * Blocks sit on the 16-pixel grid of JPEG and H.264 so both keep them
 * crisp. A viewer that reads the row back knows the glass-to-glass latency.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define ON_AIR_STAMP_BITS 32
#define ON_AIR_STAMP_BLOCK 16

/* Milliseconds of the wall clock, modulo 2^32. */
guint32  on_air_stamp_now      (void);
/* Draws @ms into a mapped I420 or NV12 frame at least 512 pixels wide. */
gboolean on_air_stamp_write    (GstVideoFrame *frame,
                                guint32        ms);
/* Reads the stamp from 8-bit luma (or any gray plane). */
gboolean on_air_stamp_read     (const guint8  *luma,
                                int            stride,
                                int            width,
                                int            height,
                                guint32       *ms);
/* Stamps every buffer leaving @pad (raw I420/NV12 video). */
void     on_air_stamp_pad      (GstPad        *pad);

G_END_DECLS
