/* on-air-sdp.c: what On Air reads in a viewer's SDP
 *
 * gst-sdp parses the message; the payload-type attributes (rtpmap, fmtp)
 * are read here because gst_sdp_media_get_caps_from_media() drops
 * profile-level-id whenever the offer allows level asymmetry, as browsers'
 * offers do, and the H.264 choice below ranks offers by that field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-sdp"

#include "config.h"

#include <string.h>

#include "on-air-error.h"
#include "on-air-sdp.h"

static gboolean
media_receives (const GstSDPMedia *media)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (media); i++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, i);

      if (g_str_equal (attr->key, "sendonly") || g_str_equal (attr->key, "inactive"))
        return FALSE;
    }
  return TRUE;
}

/* What follows "<pt> " in an rtpmap or fmtp @value, or NULL if it is about
 * another payload type. */
static const char *
value_for_pt (const char *value, guint pt)
{
  char *end = NULL;
  guint64 value_pt = g_ascii_strtoull (value, &end, 10);

  if (end == value || value_pt != pt || *end != ' ')
    return NULL;
  return end + 1;
}

/* Value of @key in the fmtp lines for @pt, or NULL. */
static char *
fmtp_value (const GstSDPMedia *media, guint pt, const char *key)
{
  gsize klen = strlen (key);
  const char *value;

  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n (media, "fmtp", i)) != NULL; i++)
    {
      const char *fmtp = value_for_pt (value, pt);
      g_auto(GStrv) params = NULL;

      if (fmtp == NULL)
        continue;
      params = g_strsplit (fmtp, ";", -1);
      for (guint j = 0; params[j] != NULL; j++)
        {
          char *param = g_strstrip (params[j]);

          if (g_ascii_strncasecmp (param, key, klen) == 0 && param[klen] == '=')
            return g_strdup (param + klen + 1);
        }
    }
  return NULL;
}

/* Encoding name of @pt from its rtpmap, e.g. "H264". */
static char *
rtpmap_encoding (const GstSDPMedia *media, guint pt)
{
  const char *value;

  for (guint i = 0; (value = gst_sdp_media_get_attribute_val_n (media, "rtpmap", i)) != NULL; i++)
    {
      const char *rtpmap = value_for_pt (value, pt);
      const char *slash;

      if (rtpmap == NULL)
        continue;
      slash = strchr (rtpmap, '/');
      return slash ? g_strndup (rtpmap, slash - rtpmap) : g_strdup (rtpmap);
    }
  return NULL;
}

/* How well H.264 payload type @pt fits what we send: -1 if not at all
 * (only packetization-mode 1 carries our frames), up to 3. */
static int
h264_score (const GstSDPMedia *media, guint pt)
{
  g_autofree char *mode = fmtp_value (media, pt, "packetization-mode");
  g_autofree char *profile = fmtp_value (media, pt, "profile-level-id");

  if (g_strcmp0 (mode, "1") != 0)
    return -1;
  if (profile != NULL && g_ascii_strcasecmp (profile, "42e01f") == 0)
    return 3; /* constrained baseline 3.1: what we encode */
  if (profile != NULL && g_ascii_strncasecmp (profile, "42e0", 4) == 0)
    return 2;
  if (profile != NULL && g_ascii_strncasecmp (profile, "42", 2) == 0)
    return 1;
  return 0;
}

/* The best of @media's formats: H.264 by score, else the first VP8. */
static gboolean
choose_in_media (const GstSDPMedia *media, OnAirCodec *codec, guint *pt)
{
  int best_h264 = -1, best_h264_score = -1, vp8 = -1;

  for (guint f = 0; f < gst_sdp_media_formats_len (media); f++)
    {
      const char *fmt = gst_sdp_media_get_format (media, f);
      char *end = NULL;
      guint64 p = g_ascii_strtoull (fmt, &end, 10);
      g_autofree char *enc = NULL;

      if (end == fmt || *end != '\0' || p < 96 || p > 127)
        continue;
      enc = rtpmap_encoding (media, p);
      if (enc == NULL)
        continue;

      if (g_ascii_strcasecmp (enc, "H264") == 0)
        {
          int score = h264_score (media, p);

          if (score > best_h264_score)
            {
              best_h264_score = score;
              best_h264 = p;
            }
        }
      else if (g_ascii_strcasecmp (enc, "VP8") == 0 && vp8 < 0)
        vp8 = p;
    }

  if (best_h264 >= 0)
    {
      *codec = ON_AIR_CODEC_H264;
      *pt = best_h264;
      return TRUE;
    }
  if (vp8 >= 0)
    {
      *codec = ON_AIR_CODEC_VP8;
      *pt = vp8;
      return TRUE;
    }
  return FALSE;
}

/* Each media section without BUNDLE is a transport of its own (an ICE
 * stream with its sockets and threads): only what we serve is answered,
 * one video section, one audio and one data channel at most, each with a
 * bounded number of candidates. */
static gboolean
check_sections (const GstSDPMessage *sdp, GError **error)
{
  const char *kinds[] = { "video", "audio", "application" };
  guint counts[G_N_ELEMENTS (kinds)] = { 0 };
  guint candidates = 0;

  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
      guint k;

      for (k = 0; k < G_N_ELEMENTS (kinds); k++)
        if (g_strcmp0 (gst_sdp_media_get_media (media), kinds[k]) == 0)
          break;
      if (k == G_N_ELEMENTS (kinds) || ++counts[k] > 1)
        {
          g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                       "The SDP offer has %u media sections; On Air answers one video, "
                       "one audio and one data section", gst_sdp_message_medias_len (sdp));
          return FALSE;
        }
      for (guint a = 0; gst_sdp_media_get_attribute_val_n (media, "candidate", a) != NULL; a++)
        candidates++;
    }
  if (candidates > ON_AIR_SDP_MAX_CANDIDATES)
    {
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                   "The SDP offer has %u candidates; at most %u are accepted",
                   candidates, ON_AIR_SDP_MAX_CANDIDATES);
      return FALSE;
    }
  return TRUE;
}

GstSDPMessage *
on_air_sdp_parse_offer (const char *text, gsize length, GError **error)
{
  g_autoptr(GstSDPMessage) sdp = NULL;
  gboolean has_video = FALSE;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL || length == 0 || !g_str_has_prefix (text, "v=0") ||
      !g_utf8_validate (text, length, NULL))
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                           "The body is not an SDP offer");
      return NULL;
    }
  if (gst_sdp_message_new (&sdp) != GST_SDP_OK ||
      gst_sdp_message_parse_buffer ((const guint8 *) text, length, sdp) != GST_SDP_OK ||
      gst_sdp_message_medias_len (sdp) == 0)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                           "The SDP offer has no media");
      return NULL;
    }
  if (!check_sections (sdp, error))
    return NULL;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

      if (g_strcmp0 (gst_sdp_media_get_media (media), "video") == 0 &&
          gst_sdp_media_formats_len (media) > 0)
        has_video = TRUE;
      /* webrtcbin needs ICE credentials and a fingerprint to answer. */
      if (gst_sdp_media_get_attribute_val (media, "ice-ufrag") == NULL &&
          gst_sdp_message_get_attribute_val (sdp, "ice-ufrag") == NULL)
        {
          g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                               "The SDP offer has no ICE credentials");
          return NULL;
        }
      if (gst_sdp_media_get_attribute_val (media, "fingerprint") == NULL &&
          gst_sdp_message_get_attribute_val (sdp, "fingerprint") == NULL)
        {
          g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                               "The SDP offer has no DTLS fingerprint");
          return NULL;
        }
    }
  if (!has_video)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                           "The SDP offer has no video");
      return NULL;
    }
  return g_steal_pointer (&sdp);
}

gboolean
on_air_sdp_choose_video_codec (const GstSDPMessage *offer,
                               OnAirCodec          *codec,
                               guint               *pt,
                               GError             **error)
{
  g_return_val_if_fail (offer != NULL, FALSE);

  /* Only the first video media counts. */
  for (guint m = 0; m < gst_sdp_message_medias_len (offer); m++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (offer, m);

      if (g_strcmp0 (gst_sdp_media_get_media (media), "video") != 0)
        continue;
      if (!media_receives (media))
        {
          g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                               "The offer does not ask to receive video");
          return FALSE;
        }
      if (choose_in_media (media, codec, pt))
        return TRUE;
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_NO_CODEC,
                           "The offer lists neither H.264 (packetization-mode 1) nor VP8");
      return FALSE;
    }

  g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_BAD_OFFER,
                       "The SDP offer has no video");
  return FALSE;
}

gboolean
on_air_sdp_has_fec (const GstSDPMessage *sdp)
{
  g_return_val_if_fail (sdp != NULL, FALSE);

  for (guint m = 0; m < gst_sdp_message_medias_len (sdp); m++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, m);

      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++)
        {
          guint pt = (guint) g_ascii_strtoull (gst_sdp_media_get_format (media, f), NULL, 10);
          g_autofree char *encoding = rtpmap_encoding (media, pt);

          if (encoding != NULL &&
              (g_ascii_strcasecmp (encoding, "red") == 0 || g_ascii_strcasecmp (encoding, "ulpfec") == 0))
            return TRUE;
        }
    }
  return FALSE;
}
