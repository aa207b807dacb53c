/* fuzz-source.c: what --source and the window's RTSP field accept, and
 * the redaction of credentials in what is shown or logged.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "on-air-source-spec.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(OnAirSourceSpec) spec = on_air_source_spec_parse (text, &error);
  g_autofree char *redacted = on_air_redact_uri (text);

  (void) redacted;

  if (spec == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  on_air_source_spec_get_kind_name (spec);
  g_assert (on_air_source_spec_get_description (spec) != NULL);
  return 0;
}
