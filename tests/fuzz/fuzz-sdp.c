/* fuzz-sdp.c: a WHEP offer's SDP, as the server reads it before a peer
 * exists: the checks, the codec choice, the FEC test.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gst/gst.h>

#include "on-air-sdp.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strndup ((const char *) data, size);
  GstSDPMessage *offer = on_air_sdp_parse_offer (text, size, &error);
  OnAirCodec codec;
  guint pt;

  if (offer == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  if (on_air_sdp_choose_video_codec (offer, &codec, &pt, NULL))
    g_assert (pt >= 96 && pt <= 127);
  on_air_sdp_has_fec (offer);
  gst_sdp_message_free (offer);
  return 0;
}
