/* fuzz-token.c: access tokens as given on the command line and compared
 * with what a request carries. The input is split at its first NUL:
 * expected, then given.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "on-air-token.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const guint8 *nul = memchr (data, '\0', size);
  gsize first = nul ? (gsize) (nul - data) : size;
  g_autofree char *expected = g_strndup ((const char *) data, first);
  g_autofree char *given = nul ? g_strndup ((const char *) nul + 1, size - first - 1) : g_strdup (expected);

  /* A valid token is 16 to 256 bytes of the URL-safe alphabet. */
  if (on_air_token_is_valid (expected))
    g_assert (strlen (expected) >= 16 && strlen (expected) <= 256 &&
              strspn (expected, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~") ==
              strlen (expected));
  /* Equal to itself, and only to the same string. */
  g_assert (on_air_token_equal (expected, expected));
  g_assert (on_air_token_equal (expected, given) == (strcmp (expected, given) == 0));
  return 0;
}
