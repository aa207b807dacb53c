/* on-air-camera.c: camera discovery and mode choice
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-camera"

#include "config.h"

#include "on-air-camera.h"

/* The device node of a V4L2 capture device; NULL for anything else
 * (PipeWire lists the same cameras again). */
static const char *
v4l2_path (const GstStructure *props)
{
  const char *api;
  const char *path;

  if (props == NULL)
    return NULL;
  api = gst_structure_get_string (props, "device.api");
  if (api != NULL && !g_str_equal (api, "v4l2"))
    return NULL;
  path = gst_structure_get_string (props, "device.path");
  if (path == NULL)
    path = gst_structure_get_string (props, "api.v4l2.path");
  return path;
}

static double
best_rate (const GValue *rate)
{
  double best = 0;

  if (rate != NULL && GST_VALUE_HOLDS_FRACTION (rate))
    best = (double) gst_value_get_fraction_numerator (rate) /
           MAX (1, gst_value_get_fraction_denominator (rate));
  else if (rate != NULL && GST_VALUE_HOLDS_LIST (rate))
    for (guint i = 0; i < gst_value_list_get_size (rate); i++)
      best = MAX (best, best_rate (gst_value_list_get_value (rate, i)));
  else if (rate != NULL && GST_VALUE_HOLDS_FRACTION_RANGE (rate))
    best = ON_AIR_CAMERA_FPS;
  return best;
}

/* Higher is better; -1 for a mode On Air cannot use. The camera's own
 * MJPEG comes before raw: USB 2 cannot carry raw 720p30. */
static gint64
score_mode (const GstStructure *s, int *width, int *height)
{
  const char *name = gst_structure_get_name (s);
  int w = 0, h = 0;
  gint64 score;

  if (!g_str_equal (name, "image/jpeg") && !g_str_equal (name, "video/x-raw"))
    return -1;
  if (!gst_structure_get_int (s, "width", &w) || !gst_structure_get_int (s, "height", &h))
    return -1;
  if (w > ON_AIR_CAMERA_MAX_WIDTH || h > ON_AIR_CAMERA_MAX_HEIGHT)
    return -1;

  score = (gint64) w * h;
  if (best_rate (gst_structure_get_value (s, "framerate")) + 0.5 >= ON_AIR_CAMERA_FPS)
    score += (gint64) 1 << 40;
  if (g_str_equal (name, "image/jpeg"))
    score += (gint64) 1 << 41;
  *width = w;
  *height = h;
  return score;
}

GstDeviceMonitor *
on_air_camera_monitor_new (void)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();

  gst_device_monitor_add_filter (monitor, "Video/Source", NULL);
  return monitor;
}

char *
on_air_camera_dup_id (GstDevice *device)
{
  g_autoptr(GstStructure) props = NULL;
  const char *path;

  g_return_val_if_fail (GST_IS_DEVICE (device), NULL);

  props = gst_device_get_properties (device);
  path = v4l2_path (props);
  return path != NULL ? g_strconcat ("v4l2://", path, NULL) : NULL;
}

GstDevice *
on_air_camera_find (const char *path)
{
  g_autoptr(GstDeviceMonitor) monitor = on_air_camera_monitor_new ();
  GList *devices;
  GstDevice *found = NULL;

  if (!gst_device_monitor_start (monitor))
    return NULL;
  devices = gst_device_monitor_get_devices (monitor);
  gst_device_monitor_stop (monitor);

  for (GList *l = devices; l != NULL && found == NULL; l = l->next)
    {
      g_autoptr(GstStructure) props = gst_device_get_properties (l->data);
      const char *dev_path = v4l2_path (props);

      if (dev_path != NULL && (path == NULL || g_str_equal (path, dev_path)))
        found = gst_object_ref (l->data);
    }
  g_list_free_full (devices, gst_object_unref);
  return found;
}

GstCaps *
on_air_camera_choose_caps (GstCaps *device_caps, gboolean *is_jpeg)
{
  gint64 best = -1;
  const GstStructure *best_s = NULL;
  int bw = 0, bh = 0;
  g_autofree char *text = NULL;

  g_return_val_if_fail (is_jpeg != NULL, NULL);

  for (guint i = 0; device_caps != NULL && i < gst_caps_get_size (device_caps); i++)
    {
      const GstStructure *s = gst_caps_get_structure (device_caps, i);
      int w, h;
      gint64 score = score_mode (s, &w, &h);

      if (score > best)
        {
          best = score;
          best_s = s;
          bw = w;
          bh = h;
        }
    }

  if (best_s == NULL)
    {
      *is_jpeg = FALSE;
      text = g_strdup_printf ("video/x-raw,width=[1,%d],height=[1,%d]",
                              ON_AIR_CAMERA_MAX_WIDTH, ON_AIR_CAMERA_MAX_HEIGHT);
      return gst_caps_from_string (text);
    }

  *is_jpeg = g_str_equal (gst_structure_get_name (best_s), "image/jpeg");
  text = g_strdup_printf ("%s,width=%d,height=%d,framerate=[1/1,%d/1]",
                          gst_structure_get_name (best_s), bw, bh, ON_AIR_CAMERA_FPS);
  return gst_caps_from_string (text);
}
