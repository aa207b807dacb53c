/* on-air-gop-cache.h: a pass-through camera's H.264 since its last
 * keyframe, so that a decoder started mid-GOP can show the newest picture
 * at once instead of waiting for the camera's next keyframe.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _OnAirGopCache OnAirGopCache;

OnAirGopCache    *on_air_gop_cache_new            (void);
void              on_air_gop_cache_free           (OnAirGopCache   *cache);
void              on_air_gop_cache_clear          (OnAirGopCache   *cache);
/* A buffer probe (user_data: the cache) for parsed H.264 access units,
 * run on the streaming thread. */
GstPadProbeReturn on_air_gop_cache_push_probe     (GstPad          *pad,
                                                   GstPadProbeInfo *info,
                                                   gpointer         user_data);
/* Makes @decoder start from the cached GOP when its first buffer is not a
 * keyframe; the pictures of that GOP itself never come out of it. */
void              on_air_gop_cache_prime_decoder  (OnAirGopCache   *cache,
                                                   GstElement      *decoder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnAirGopCache, on_air_gop_cache_free)

G_END_DECLS
