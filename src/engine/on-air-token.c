/* on-air-token.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-token"

#include "config.h"

#include <string.h>
#include <sys/random.h>

#include "on-air-token.h"

char *
on_air_token_generate (void)
{
  guint8 raw[24];
  gsize got = 0;
  char *text;

  while (got < sizeof raw)
    {
      ssize_t n = getrandom (raw + got, sizeof raw - got, 0);
      if (n > 0)
        got += n;
      else
        {
          /* getrandom cannot fail on Linux ≥ 3.17 short of EINTR; keep a
           * fallback that is still unpredictable rather than aborting. */
          for (; got < sizeof raw; got++)
            raw[got] = (guint8) g_random_int ();
        }
    }

  text = g_base64_encode (raw, sizeof raw);
  /* base64url without padding (24 bytes encode to 32 chars, no '='). */
  for (char *p = text; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  memset (raw, 0, sizeof raw);
  return text;
}

gboolean
on_air_token_is_valid (const char *token)
{
  gsize len;

  if (token == NULL)
    return FALSE;
  len = strlen (token);
  if (len < 16 || len > 256)
    return FALSE;
  for (const char *p = token; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.' && *p != '~')
      return FALSE;
  return TRUE;
}

gboolean
on_air_token_equal (const char *expected, const char *given)
{
  g_autoptr(GChecksum) a = NULL;
  g_autoptr(GChecksum) b = NULL;
  guint8 da[32], db[32];
  gsize la = sizeof da, lb = sizeof db;
  guint8 diff = 0;

  if (expected == NULL || given == NULL)
    return FALSE;

  /* Compare digests so that neither the length nor the position of the
   * first differing byte leaks through timing. */
  a = g_checksum_new (G_CHECKSUM_SHA256);
  b = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (a, (const guchar *) expected, -1);
  g_checksum_update (b, (const guchar *) given, -1);
  g_checksum_get_digest (a, da, &la);
  g_checksum_get_digest (b, db, &lb);
  for (gsize i = 0; i < sizeof da; i++)
    diff |= da[i] ^ db[i];
  return diff == 0;
}
