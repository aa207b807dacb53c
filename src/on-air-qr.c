/* on-air-qr.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-qr"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <qrencode.h>

#include "on-air-qr.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)

GdkTexture *
on_air_qr_texture_new (const char *text, int target_size, GError **error)
{
  g_autoptr(QRcode) code = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint8 *pixels;
  int modules;
  int scale;
  int size;
  gsize stride;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Case-sensitive 8-bit mode: the token must survive exactly. */
  code = QRcode_encodeString8bit (text, 0, QR_ECLEVEL_M);
  if (code == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Cannot make a QR code of this address: %s"), g_strerror (saved_errno));
      return NULL;
    }

  modules = code->width + 2 * ON_AIR_QR_QUIET_ZONE;
  scale = MAX (4, target_size / modules);
  size = modules * scale;
  stride = (gsize) size * 3;
  pixels = g_malloc (stride * size);
  memset (pixels, 0xff, stride * size);

  for (int y = 0; y < code->width; y++)
    for (int x = 0; x < code->width; x++)
      {
        /* Bit 0 of each libqrencode byte: dark module. */
        if ((code->data[y * code->width + x] & 1) == 0)
          continue;
        for (int dy = 0; dy < scale; dy++)
          {
            guint8 *row = pixels + ((gsize) (y + ON_AIR_QR_QUIET_ZONE) * scale + dy) * stride;

            memset (row + (gsize) (x + ON_AIR_QR_QUIET_ZONE) * scale * 3, 0, (gsize) scale * 3);
          }
      }

  bytes = g_bytes_new_take (pixels, stride * size);
  return gdk_memory_texture_new (size, size, GDK_MEMORY_R8G8B8, bytes, stride);
}
