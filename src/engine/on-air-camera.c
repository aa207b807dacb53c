/* on-air-camera.c: camera discovery and mode choice
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-camera"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "on-air-camera.h"

#define PIPEWIRE_SCHEME "pipewire://"
#define V4L2_SCHEME     "v4l2://"

/* By type: PipeWire's own V4L2 nodes carry device.api "v4l2" too. */
static gboolean
is_pipewire (GstDevice *device)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (device), "GstPipeWireDevice");
}

/* The device node of a V4L2 capture device; NULL for anything else. */
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

/* The /dev node a PipeWire camera wraps (its V4L2 source nodes name it;
 * libcamera's do not), or NULL. */
static const char *
pipewire_wrapped_path (const GstStructure *props)
{
  const char *path;

  if (props == NULL)
    return NULL;
  path = gst_structure_get_string (props, "api.v4l2.path");
  if (path == NULL)
    path = gst_structure_get_string (props, "device.path");
  if (path == NULL)
    {
      path = gst_structure_get_string (props, "object.path");
      if (path == NULL || !g_str_has_prefix (path, "v4l2:"))
        return NULL;
      path += strlen ("v4l2:");
    }
  return g_str_has_prefix (path, "/dev/") ? path : NULL;
}

static char *
pipewire_id (const GstStructure *props, gboolean by_serial)
{
  const char *key = by_serial ? NULL : gst_structure_get_string (props, "node.name");

  if (key == NULL || *key == '\0')
    key = gst_structure_get_string (props, "object.serial");
  return key != NULL ? g_strconcat (PIPEWIRE_SCHEME, key, NULL) : NULL;
}

static OnAirCamera *
camera_new (GstDevice *device, const GstStructure *props)
{
  g_autoptr(OnAirCamera) camera = g_new0 (OnAirCamera, 1);
  const char *path;

  if (is_pipewire (device))
    {
      camera->id = pipewire_id (props, FALSE);
      path = pipewire_wrapped_path (props);
    }
  else
    {
      path = v4l2_path (props);
      camera->id = path != NULL ? g_strconcat (V4L2_SCHEME, path, NULL) : NULL;
    }
  if (camera->id == NULL)
    return NULL;
  camera->path = g_strdup (path);
  camera->name = gst_device_get_display_name (device);
  camera->device = gst_object_ref (device);
  return g_steal_pointer (&camera);
}

static gboolean
pipewire_wraps (GPtrArray *cameras, const char *path)
{
  for (guint i = 0; i < cameras->len; i++)
    {
      OnAirCamera *camera = g_ptr_array_index (cameras, i);

      if (is_pipewire (camera->device) && g_strcmp0 (camera->path, path) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
id_taken (GPtrArray *cameras, const char *id)
{
  for (guint i = 0; i < cameras->len; i++)
    if (g_str_equal (((OnAirCamera *) g_ptr_array_index (cameras, i))->id, id))
      return TRUE;
  return FALSE;
}

/* Whether @camera is the one @id names; see on_air_camera_find(). */
static gboolean
camera_matches (OnAirCamera *camera, const char *id)
{
  g_autoptr(GstStructure) props = NULL;
  const char *key;

  if (id == NULL || g_str_equal (camera->id, id))
    return TRUE;
  if (g_str_has_prefix (id, V4L2_SCHEME))
    id += strlen (V4L2_SCHEME);
  if (g_str_has_prefix (id, "/dev/"))
    return g_strcmp0 (camera->path, id) == 0;
  if (!g_str_has_prefix (id, PIPEWIRE_SCHEME) || !is_pipewire (camera->device))
    return FALSE;
  key = id + strlen (PIPEWIRE_SCHEME);
  props = gst_device_get_properties (camera->device);
  return g_strcmp0 (gst_structure_get_string (props, "node.name"), key) == 0 ||
         g_strcmp0 (gst_structure_get_string (props, "object.serial"), key) == 0;
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

void
on_air_camera_free (OnAirCamera *camera)
{
  if (camera == NULL)
    return;
  g_free (camera->id);
  g_free (camera->name);
  g_free (camera->path);
  gst_clear_object (&camera->device);
  g_free (camera);
}

static GstDeviceMonitor *
new_monitor (void)
{
  GstDeviceMonitor *monitor = gst_device_monitor_new ();

  gst_device_monitor_add_filter (monitor, "Video/Source", NULL);
  return monitor;
}

/* One monitor that stays started for the life of the process. PipeWire
 * 0.3's device provider drops its devices when its last monitor stops
 * but leaves its node proxies on the connection it shares with every
 * pipewiresrc of the process; the next camera to go away then touches a
 * freed device and crashes. Kept started, that never happens, and finding
 * a camera does not reconnect each time. */
static GstDeviceMonitor *
shared_monitor (void)
{
  static GstDeviceMonitor *monitor;

  if (g_once_init_enter (&monitor))
    {
      GstDeviceMonitor *started = new_monitor ();
      g_autoptr(GstBus) bus = gst_device_monitor_get_bus (started);

      /* Nobody reads its messages. */
      gst_bus_set_flushing (bus, TRUE);
      if (!gst_device_monitor_start (started))
        g_debug ("No camera monitor");
      g_once_init_leave (&monitor, started);
    }
  return monitor;
}

GstDeviceMonitor *
on_air_camera_monitor_new (void)
{
  shared_monitor ();
  return new_monitor ();
}

char *
on_air_camera_dup_id (GstDevice *device)
{
  g_autoptr(GstStructure) props = NULL;
  g_autoptr(OnAirCamera) camera = NULL;

  g_return_val_if_fail (GST_IS_DEVICE (device), NULL);

  props = gst_device_get_properties (device);
  camera = camera_new (device, props);
  return camera != NULL ? g_steal_pointer (&camera->id) : NULL;
}

GList *
on_air_camera_list_devices (GList *devices)
{
  g_autoptr(GPtrArray) cameras = g_ptr_array_new ();
  GList *list = NULL;

  /* PipeWire's first, so that the V4L2 nodes they wrap can be left out. */
  for (GList *l = devices; l != NULL; l = l->next)
    {
      g_autoptr(GstStructure) props = NULL;
      OnAirCamera *camera;

      if (!is_pipewire (l->data))
        continue;
      props = gst_device_get_properties (l->data);
      camera = camera_new (l->data, props);
      if (camera == NULL)
        continue;
      /* node.name is not unique for nodes that programs publish. */
      if (id_taken (cameras, camera->id))
        {
          g_free (camera->id);
          camera->id = pipewire_id (props, TRUE);
        }
      g_ptr_array_add (cameras, camera);
    }

  for (GList *l = devices; l != NULL; l = l->next)
    {
      g_autoptr(GstStructure) props = NULL;
      OnAirCamera *camera = NULL;

      if (is_pipewire (l->data))
        {
          for (guint i = 0; i < cameras->len && camera == NULL; i++)
            if (((OnAirCamera *) g_ptr_array_index (cameras, i))->device == l->data)
              camera = g_ptr_array_index (cameras, i);
        }
      else
        {
          props = gst_device_get_properties (l->data);
          camera = camera_new (l->data, props);
          if (camera != NULL && pipewire_wraps (cameras, camera->path))
            g_clear_pointer (&camera, on_air_camera_free);
        }
      if (camera != NULL)
        list = g_list_prepend (list, camera);
    }
  return g_list_reverse (list);
}

GList *
on_air_camera_list (GstDeviceMonitor *monitor)
{
  GList *devices;
  GList *cameras;

  g_return_val_if_fail (GST_IS_DEVICE_MONITOR (monitor), NULL);

  /* The monitor lists the newest first. */
  devices = g_list_reverse (gst_device_monitor_get_devices (monitor));
  cameras = on_air_camera_list_devices (devices);
  g_list_free_full (devices, gst_object_unref);
  return cameras;
}

GstDevice *
on_air_camera_find (const char *id)
{
  GList *cameras = on_air_camera_list (shared_monitor ());
  GstDevice *found = NULL;

  for (GList *l = cameras; l != NULL && found == NULL; l = l->next)
    {
      OnAirCamera *camera = l->data;

      if (camera_matches (camera, id))
        found = gst_object_ref (camera->device);
    }
  g_list_free_full (cameras, (GDestroyNotify) on_air_camera_free);
  return found;
}

/* ---------------------------------------------------------------------- */
/* a camera's own microphone                                              */

/* What ties a device to the hardware it is part of. */
typedef struct
{
  char *bus_path;   /* udev's ID_PATH, without a USB interface */
  char *usb_device; /* the sysfs directory of the USB device */
  char *vendor;
  char *product;
  char *serial;
} Identity;

static void
identity_clear (Identity *id)
{
  g_free (id->bus_path);
  g_free (id->usb_device);
  g_free (id->vendor);
  g_free (id->product);
  g_free (id->serial);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Identity, identity_clear)

static const char *
prop_string (const GstStructure *props, const char *const *keys)
{
  for (; *keys != NULL; keys++)
    {
      const char *value = gst_structure_get_string (props, *keys);

      if (value != NULL && *value != '\0')
        return value;
    }
  return NULL;
}

/* An ALSA card number, as an int (GStreamer's ALSA provider) or a string
 * (PulseAudio, PipeWire); -1 if none. */
static int
alsa_card (const GstStructure *props)
{
  static const char *const keys[] = { "alsa.card", "api.alsa.card", "api.alsa.pcm.card", NULL };
  const char *text;
  int card;

  for (guint i = 0; keys[i] != NULL; i++)
    if (gst_structure_get_int (props, keys[i], &card))
      return card;
  text = prop_string (props, keys);
  return text != NULL && g_ascii_isdigit (*text) ? atoi (text) : -1;
}

/* "pci-0000:00:14.0-usb-0:1:1.0": a webcam's video is one USB interface
 * (.0), its microphone another (.2, .3) of the same device. */
static char *
without_usb_interface (const char *bus_path)
{
  const char *usb = strstr (bus_path, "-usb-");
  const char *colon = strrchr (bus_path, ':');
  const char *dot = strrchr (bus_path, '.');

  if (usb != NULL && colon != NULL && dot != NULL && colon > usb && dot > colon)
    return g_strndup (bus_path, dot - bus_path);
  return g_strdup (bus_path);
}

/* The USB device @sysfs (a device's directory or a link to it) is part
 * of: the parent of its USB interface ("1-1:1.0"); NULL when not USB. */
static char *
usb_device_dir (const char *sysfs)
{
  g_autofree char *real = realpath (sysfs, NULL);
  g_auto(GStrv) parts = NULL;

  if (real == NULL)
    return NULL;
  parts = g_strsplit (real, "/", -1);
  for (guint i = g_strv_length (parts); i > 1; i--)
    {
      const char *part = parts[i - 1];
      const char *colon = strchr (part, ':');

      if (g_ascii_isdigit (part[0]) && strchr (part, '-') != NULL && colon != NULL &&
          strchr (colon, '.') != NULL)
        {
          g_free (parts[i - 1]);
          parts[i - 1] = NULL;
          return g_strjoinv ("/", parts);
        }
    }
  return NULL;
}

static void
identity_read (Identity *id, GstDevice *device, const char *dev_path)
{
  static const char *const bus_keys[] = { "device.bus_path", "device.bus-path", NULL };
  static const char *const sysfs_keys[] = { "sysfs.path", NULL };
  static const char *const vendor_keys[] = { "device.vendor.id", NULL };
  static const char *const product_keys[] = { "device.product.id", NULL };
  static const char *const serial_keys[] = { "device.serial", NULL };
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  g_autofree char *sysfs = NULL;
  const char *value;
  int card;

  if (props == NULL)
    return;
  if ((value = prop_string (props, bus_keys)) != NULL)
    id->bus_path = without_usb_interface (value);
  if ((value = prop_string (props, sysfs_keys)) != NULL)
    sysfs = g_str_has_prefix (value, "/sys/") ? g_strdup (value) : g_strconcat ("/sys", value, NULL);
  else if (dev_path != NULL && g_str_has_prefix (dev_path, "/dev/"))
    sysfs = g_strconcat ("/sys/class/video4linux/", dev_path + strlen ("/dev/"), NULL);
  else if ((card = alsa_card (props)) >= 0)
    sysfs = g_strdup_printf ("/sys/class/sound/card%d", card);
  if (sysfs != NULL)
    id->usb_device = usb_device_dir (sysfs);
  id->vendor = g_strdup (prop_string (props, vendor_keys));
  id->product = g_strdup (prop_string (props, product_keys));
  id->serial = g_strdup (prop_string (props, serial_keys));
}

/* The strongest identity both have decides. */
static gboolean
same_hardware (const Identity *a, const Identity *b)
{
  if (a->bus_path != NULL && b->bus_path != NULL)
    return g_str_equal (a->bus_path, b->bus_path);
  if (a->usb_device != NULL && b->usb_device != NULL)
    return g_str_equal (a->usb_device, b->usb_device);
  if (a->vendor != NULL && a->product != NULL && b->vendor != NULL && b->product != NULL)
    return g_ascii_strcasecmp (a->vendor, b->vendor) == 0 &&
           g_ascii_strcasecmp (a->product, b->product) == 0 &&
           (a->serial == NULL || b->serial == NULL || g_str_equal (a->serial, b->serial));
  return FALSE;
}

/* The microphones there are now, from each device provider that lists
 * them: started providers (PipeWire's, through the camera monitor) give
 * what they know, the others probe. A monitor of our own is not used: a
 * second monitor on a provider the camera monitors share stopped their
 * device-removed messages (GStreamer 1.22), so unplugged cameras stayed
 * listed. */
static GList *
list_microphones (void)
{
  GList *factories = gst_device_provider_factory_list_get_device_providers (GST_RANK_MARGINAL);
  g_autoptr(GPtrArray) providers = g_ptr_array_new_with_free_func (gst_object_unref);
  g_autoptr(GStrvBuilder) hidden_builder = g_strv_builder_new ();
  g_auto(GStrv) hidden = NULL;
  GList *mics = NULL;

  for (GList *f = factories; f != NULL; f = f->next)
    {
      GstDeviceProvider *provider;
      g_auto(GStrv) hides = NULL;

      if (!gst_device_provider_factory_has_classes (f->data, "Audio/Source") ||
          (provider = gst_device_provider_factory_get (f->data)) == NULL)
        continue;
      g_ptr_array_add (providers, provider);
      /* As a monitor does: PipeWire's hides PulseAudio's, which hides ALSA's. */
      hides = gst_device_provider_get_hidden_providers (provider);
      if (hides != NULL)
        g_strv_builder_addv (hidden_builder, (const char **) hides);
    }
  gst_plugin_feature_list_free (factories);
  hidden = g_strv_builder_end (hidden_builder);

  for (guint i = 0; i < providers->len; i++)
    {
      GstDeviceProvider *provider = g_ptr_array_index (providers, i);
      GList *devices;

      if (g_strv_contains ((const char * const *) hidden,
                           GST_OBJECT_NAME (gst_device_provider_get_factory (provider))))
        continue;
      devices = gst_device_provider_get_devices (provider);
      for (GList *d = devices; d != NULL; d = d->next)
        if (gst_device_has_classes (d->data, "Audio/Source"))
          mics = g_list_prepend (mics, gst_object_ref (d->data));
      g_list_free_full (devices, gst_object_unref);
    }
  return g_list_reverse (mics);
}

static gboolean
is_output_monitor (GstDevice *device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);

  return props != NULL && g_strcmp0 (gst_structure_get_string (props, "device.class"), "monitor") == 0;
}

GstDevice *
on_air_camera_find_microphone (GstDevice *camera)
{
  g_auto(Identity) cam_id = { NULL };
  g_autoptr(GstStructure) props = NULL;
  GList *mics;
  GstDevice *found = NULL;
  gboolean pipewire;

  g_return_val_if_fail (GST_IS_DEVICE (camera), NULL);

  pipewire = is_pipewire (camera);
  props = gst_device_get_properties (camera);
  identity_read (&cam_id, camera, pipewire ? pipewire_wrapped_path (props) : v4l2_path (props));
  mics = list_microphones ();
  /* Its own provider's first: with PipeWire running, its nodes. */
  for (guint pass = 0; pass < 2 && found == NULL; pass++)
    for (GList *l = mics; l != NULL && found == NULL; l = l->next)
      {
        g_auto(Identity) mic_id = { NULL };

        if ((pass == 0) != (is_pipewire (l->data) == pipewire) || is_output_monitor (l->data))
          continue;
        identity_read (&mic_id, l->data, NULL);
        if (same_hardware (&cam_id, &mic_id))
          found = gst_object_ref (l->data);
      }
  g_list_free_full (mics, gst_object_unref);
  return found;
}

GstElement *
on_air_camera_create_element (GstDevice *device)
{
  GstElement *element;

  g_return_val_if_fail (GST_IS_DEVICE (device), NULL);

  element = gst_device_create_element (device, NULL);
  /* No keepalive-time: a camera that stops sending must look stalled.
   * always-copy: PipeWire 0.3.65 takes a frame's shared memory back
   * while our encoders still read it (a crash in jpegenc, seen in the
   * benchmark); one copy per frame is the price. */
  if (element != NULL && is_pipewire (device))
    g_object_set (element, "do-timestamp", TRUE, "always-copy", TRUE, NULL);
  return element;
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
