/* on-air-jpeg.c: a cheap check that a camera's JPEG is a whole picture
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-jpeg"

#include "config.h"

#include "on-air-jpeg.h"

#define SOI  0xd8
#define EOI  0xd9
#define SOS  0xda
/* Padding some cameras leave after EOI. */
#define TAIL_SLACK 64

static gboolean
is_frame_header (guint8 marker)
{
  /* SOF0–SOF15 but DHT (c4), JPG (c8) and DAC (cc). */
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

static gboolean
ends_with_eoi (const guint8 *data, gsize size)
{
  gsize from = size > TAIL_SLACK ? size - TAIL_SLACK : 0;

  for (gsize i = size - 1; i > from; i--)
    if (data[i - 1] == 0xff && data[i] == EOI)
      return TRUE;
  return FALSE;
}

gboolean
on_air_jpeg_looks_whole (const guint8 *data, gsize size)
{
  gboolean frame_header = FALSE;
  gsize i = 2;

  if (data == NULL || size < 4 || data[0] != 0xff || data[1] != SOI)
    return FALSE;

  while (i + 4 <= size)
    {
      guint8 marker;
      guint length;

      if (data[i] != 0xff)
        return FALSE;
      marker = data[i + 1];
      if (marker == 0xff)  /* fill byte */
        {
          i++;
          continue;
        }
      if (marker == SOS)
        return frame_header && ends_with_eoi (data, size);
      /* Only segments with a length may come before the scan. */
      if (marker < 0xc0 || marker == SOI || marker == EOI || (marker >= 0xd0 && marker <= 0xd7))
        return FALSE;
      length = (data[i + 2] << 8) | data[i + 3];
      if (length < 2)
        return FALSE;
      frame_header |= is_frame_header (marker);
      i += 2 + length;
    }
  return FALSE;
}
