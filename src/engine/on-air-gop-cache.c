/* on-air-gop-cache.c
 *
 * Filled on the camera's streaming thread, read on a decoder's: everything
 * is under the cache's own lock. The cache holds references to the
 * camera's buffers, never copies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-gop-cache"

#include "config.h"

#include "on-air-camera.h"
#include "on-air-gop-cache.h"

/* Bounds on the GOP kept for priming decoders: cameras send a keyframe
 * every 1 to 10 s; beyond this, decoders wait for the next keyframe. */
#define GOP_MAX_BUFFERS (10 * ON_AIR_CAMERA_FPS)
#define GOP_MAX_BYTES   (16 * 1024 * 1024)

struct _OnAirGopCache
{
  GMutex     lock;
  GPtrArray *buffers;
  gsize      bytes;
};

typedef struct
{
  OnAirGopCache *cache;
  GstClockTime   first_pts; /* of the decoder's first live buffer */
} Priming;

/* Called with the lock held. */
static void
drop_all (OnAirGopCache *cache)
{
  g_ptr_array_set_size (cache->buffers, 0);
  cache->bytes = 0;
}

/* Streaming thread, on the camera's parsed H.264 before its tee: keeps
 * every access unit since the last keyframe. */
GstPadProbeReturn
on_air_gop_cache_push_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirGopCache *cache = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gsize size = gst_buffer_get_size (buffer);

  g_mutex_lock (&cache->lock);
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    drop_all (cache);
  /* Past the bounds the GOP is dropped whole: a part without its
   * keyframe primes nothing. It starts again at the next keyframe. */
  if (cache->buffers->len > 0 || !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      if (cache->buffers->len < GOP_MAX_BUFFERS && cache->bytes + size <= GOP_MAX_BYTES)
        {
          g_ptr_array_add (cache->buffers, gst_buffer_ref (buffer));
          cache->bytes += size;
        }
      else
        drop_all (cache);
    }
  g_mutex_unlock (&cache->lock);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread, on the primed decoder's output: the pictures of the
 * GOP it was primed with are older than its first live buffer; they go.
 * (avdec_h264 outputs buffers flagged decode-only all the same.) */
static GstPadProbeReturn
drop_primed_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Priming *priming = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!GST_CLOCK_TIME_IS_VALID (priming->first_pts))
    return GST_PAD_PROBE_OK; /* not primed (yet) */
  if (GST_BUFFER_PTS_IS_VALID (buffer) && GST_BUFFER_PTS (buffer) < priming->first_pts)
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_REMOVE;
}

/* The cached buffers before @first, or NULL when @first is not cached. */
static GPtrArray *
dup_before (OnAirGopCache *cache, GstBuffer *first)
{
  GPtrArray *earlier = NULL;

  g_mutex_lock (&cache->lock);
  for (guint i = 0; i < cache->buffers->len; i++)
    if (g_ptr_array_index (cache->buffers, i) == first)
      {
        earlier = g_ptr_array_new_full (i, (GDestroyNotify) gst_buffer_unref);
        for (guint k = 0; k < i; k++)
          g_ptr_array_add (earlier, gst_buffer_ref (g_ptr_array_index (cache->buffers, k)));
        break;
      }
  g_mutex_unlock (&cache->lock);
  return earlier;
}

/* Streaming thread, on a decoder's sink pad, for its first buffer: if that
 * is not a keyframe, the decoder first gets the GOP up to it, marked
 * decode-only, and drop_primed_probe() keeps those older pictures from
 * coming out. The first picture out is then the one the camera sent last,
 * not the one after its next keyframe (up to a GOP later: seconds, with
 * many IP cameras). */
static GstPadProbeReturn
prime_decoder_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Priming *priming = user_data;
  GstBuffer *first = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr(GPtrArray) earlier = NULL;

  if (GST_BUFFER_FLAG_IS_SET (first, GST_BUFFER_FLAG_DECODE_ONLY))
    return GST_PAD_PROBE_OK; /* one of ours, chained below */
  if (!GST_BUFFER_FLAG_IS_SET (first, GST_BUFFER_FLAG_DELTA_UNIT) || !GST_BUFFER_PTS_IS_VALID (first))
    return GST_PAD_PROBE_REMOVE;

  earlier = dup_before (priming->cache, first);
  if (earlier != NULL)
    {
      g_debug ("Priming a decoder with %u buffers of H.264", earlier->len);
      priming->first_pts = GST_BUFFER_PTS (first);
      for (guint i = 0; i < earlier->len; i++)
        {
          GstBuffer *copy = gst_buffer_copy (g_ptr_array_index (earlier, i));

          GST_BUFFER_FLAG_SET (copy, GST_BUFFER_FLAG_DECODE_ONLY);
          if (gst_pad_chain (pad, copy) != GST_FLOW_OK)
            break;
        }
    }
  return GST_PAD_PROBE_REMOVE;
}

OnAirGopCache *
on_air_gop_cache_new (void)
{
  OnAirGopCache *cache = g_new0 (OnAirGopCache, 1);

  g_mutex_init (&cache->lock);
  cache->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  return cache;
}

void
on_air_gop_cache_free (OnAirGopCache *cache)
{
  if (cache == NULL)
    return;
  g_ptr_array_unref (cache->buffers);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

void
on_air_gop_cache_clear (OnAirGopCache *cache)
{
  g_return_if_fail (cache != NULL);

  g_mutex_lock (&cache->lock);
  drop_all (cache);
  g_mutex_unlock (&cache->lock);
}

void
on_air_gop_cache_prime_decoder (OnAirGopCache *cache, GstElement *decoder)
{
  g_autoptr(GstPad) dec_sink = NULL;
  g_autoptr(GstPad) dec_src = NULL;
  Priming *priming;

  g_return_if_fail (cache != NULL);
  g_return_if_fail (GST_IS_ELEMENT (decoder));

  dec_sink = gst_element_get_static_pad (decoder, "sink");
  dec_src = gst_element_get_static_pad (decoder, "src");
  priming = g_new0 (Priming, 1);
  priming->cache = cache;
  priming->first_pts = GST_CLOCK_TIME_NONE;
  /* The decoder owns it: both probes go before it does. */
  g_object_set_data_full (G_OBJECT (decoder), "on-air-priming", priming, g_free);
  gst_pad_add_probe (dec_sink, GST_PAD_PROBE_TYPE_BUFFER, prime_decoder_probe, priming, NULL);
  gst_pad_add_probe (dec_src, GST_PAD_PROBE_TYPE_BUFFER, drop_primed_probe, priming, NULL);
}
