/* on-air-slate.c
 *
 * The slate: what viewers see while there is no source to show (the
 * camera was lost, or is being switched). A plain picture with a few lines
 * of text, at the source's last resolution and a low frame rate, fed into
 * the raw stage like any source: so it reaches every viewer through the
 * encoders they already use, and their connections never notice.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-slate"

#include "config.h"

#include "on-air-broadcast-private.h"
#include "on-air-slate.h"

/* Slow enough to cost little, fast enough that a joining viewer gets a
 * picture soon and the clock on it moves. */
#define SLATE_FPS 5

struct _OnAirSlate
{
  GstElement *bin;
  GstElement *overlay;
  GstPad     *ghost;
};

OnAirSlate *
on_air_slate_new (GstElement *pipeline, int width, int height)
{
  OnAirSlate *slate = g_new0 (OnAirSlate, 1);
  g_autofree char *caps = NULL;
  g_autoptr(GstPad) out = NULL;
  GstElement *src, *filter;

  /* Even sizes: I420 and every encoder want them. */
  width = CLAMP (width & ~1, 160, 1920);
  height = CLAMP (height & ~1, 120, 1080);
  slate->bin = gst_object_ref_sink (gst_bin_new ("slate"));
  src = gst_element_factory_make ("videotestsrc", NULL);
  g_object_set (src, "is-live", TRUE, "foreground-color", (guint) ON_AIR_SLATE_ARGB, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "pattern", "solid-color");
  caps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                          "pixel-aspect-ratio=1/1", width, height, SLATE_FPS);
  filter = on_air_make_capsfilter (caps);
  slate->overlay = gst_element_factory_make ("textoverlay", NULL);
  if (slate->overlay != NULL)
    {
      g_object_set (slate->overlay, "shaded-background", FALSE, "wait-text", FALSE,
                    "font-desc", "Sans 22", NULL);
      gst_util_set_object_arg (G_OBJECT (slate->overlay), "valignment", "center");
      gst_util_set_object_arg (G_OBJECT (slate->overlay), "halignment", "center");
      gst_util_set_object_arg (G_OBJECT (slate->overlay), "line-alignment", "center");
    }

  gst_bin_add_many (GST_BIN (slate->bin), src, filter, NULL);
  gst_element_link (src, filter);
  if (slate->overlay != NULL)
    {
      gst_bin_add (GST_BIN (slate->bin), slate->overlay);
      gst_element_link (filter, slate->overlay);
      out = gst_element_get_static_pad (slate->overlay, "src");
    }
  else
    out = gst_element_get_static_pad (filter, "src");
  slate->ghost = gst_ghost_pad_new ("src", out);
  gst_element_add_pad (slate->bin, slate->ghost);
  gst_bin_add (GST_BIN (pipeline), slate->bin);
  return slate;
}

/* Links the slate into @sink and starts it. */
void
on_air_slate_play (OnAirSlate *slate, GstPad *sink)
{
  gst_pad_link (slate->ghost, sink);
  gst_element_sync_state_with_parent (slate->bin);
}

/* @markup: Pango markup, a few short lines. */
void
on_air_slate_set_markup (OnAirSlate *slate, const char *markup)
{
  if (slate->overlay != NULL)
    g_object_set (slate->overlay, "text", markup, NULL);
}

void
on_air_slate_free (OnAirSlate *slate)
{
  GstPad *peer = gst_pad_get_peer (slate->ghost);

  gst_element_set_locked_state (slate->bin, TRUE);
  gst_element_set_state (slate->bin, GST_STATE_NULL);
  if (peer != NULL)
    {
      gst_pad_unlink (slate->ghost, peer);
      gst_object_unref (peer);
    }
  if (GST_OBJECT_PARENT (slate->bin) != NULL)
    gst_bin_remove (GST_BIN (GST_OBJECT_PARENT (slate->bin)), slate->bin);
  gst_object_unref (slate->bin);
  g_free (slate);
}
