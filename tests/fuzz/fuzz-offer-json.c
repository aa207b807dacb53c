/* fuzz-offer-json.c: the viewer page's POST /offer body, {"type":
 * "offer", "sdp": "…"}, through the JSON reading and then the SDP checks.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gst/gst.h>

#include "on-air-sdp.h"
#include "on-air-server-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const char *problem = NULL;
  g_autofree char *sdp = _on_air_server_json_offer_sdp ((const char *) data, size, &problem);
  g_autoptr(GError) error = NULL;
  GstSDPMessage *offer;

  if (sdp == NULL)
    {
      g_assert (problem != NULL);
      return 0;
    }
  offer = on_air_sdp_parse_offer (sdp, strlen (sdp), &error);
  if (offer != NULL)
    gst_sdp_message_free (offer);
  return 0;
}
