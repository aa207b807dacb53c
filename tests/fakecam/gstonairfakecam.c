/* gstonairfakecam.c: test-only "webcams" for GstDeviceMonitor
 *
 * A device provider that lists one camera per `*.cam` key file in the
 * folder $ONAIR_FAKECAM_DIR, the way v4l2's provider lists /dev/video
 * nodes: class "Video/Source", device.api "v4l2", device.path, and a caps
 * list like a UVC camera's. Adding or removing a file while a monitor runs
 * is a hotplug. The element each device makes produces live frames of one
 * solid colour in whatever format is negotiated, so a test can tell which
 * camera it is looking at.
 *
 *   [camera]
 *   name=Fake UVC Camera        display name
 *   kind=uvc                    uvc | raw | broken-jpeg | busy | bayer
 *   color=0xff2080e0            ARGB of every frame
 *   path=/dev/video10           optional; default /dev/fakecam/<file name>
 *   microphone=true             optional: the webcam has a microphone
 *   microphone-hz=660           its tone (default 660 Hz)
 *
 * uvc: image/jpeg up to 1920×1080@30 and YUY2 at lower rates, as most
 * USB webcams; raw: YUY2 only; broken-jpeg: like uvc, but its JPEGs are
 * corrupt; busy: fails to start as a camera held by another program;
 * bayer: offers only a format On Air cannot use.
 *
 * Each camera sits on a USB bus path of its own (device.bus_path, as
 * v4l2's provider reads it from udev: "pci-0000:00:14.0-usb-0:N:1.0").
 * A camera with a microphone adds an "Audio/Source" device on the same
 * USB device, its audio interface ("…:1.3"), whose element is a live
 * audiotestsrc at microphone-hz: a test can tell it from On Air's 440-Hz
 * test tone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "onair-fakecam"

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#define PACKAGE "onair-tests"
#define POLL_MS 50

/* ---------------------------------------------------------------------- */
/* modes                                                                  */

static GstCaps *
caps_for_kind (const char *kind)
{
  static const char *uvc =
    "image/jpeg, width=1920, height=1080, framerate={ 30/1, 15/1 }; "
    "image/jpeg, width=1280, height=720, framerate={ 30/1, 15/1 }; "
    "image/jpeg, width=640, height=480, framerate={ 30/1, 15/1 }; "
    "video/x-raw, format=YUY2, width=640, height=480, framerate={ 30/1, 15/1 }; "
    "video/x-raw, format=YUY2, width=1280, height=720, framerate=10/1; "
    "video/x-raw, format=YUY2, width=1920, height=1080, framerate=5/1";
  static const char *raw =
    "video/x-raw, format=YUY2, width=640, height=480, framerate={ 30/1, 15/1 }; "
    "video/x-raw, format=YUY2, width=1280, height=720, framerate=10/1";
  /* A sensor that only gives its Bayer mosaic: nothing On Air takes. */
  static const char *bayer = "video/x-bayer, format=rggb, width=640, height=480, framerate=30/1";

  if (g_strcmp0 (kind, "bayer") == 0)
    return gst_caps_from_string (bayer);
  return gst_caps_from_string (g_strcmp0 (kind, "raw") == 0 ? raw : uvc);
}

/* ---------------------------------------------------------------------- */
/* the element: a bin around videotestsrc, built when the format is known */

#define ONAIR_TYPE_FAKECAM_SRC (onair_fakecam_src_get_type ())
G_DECLARE_FINAL_TYPE (OnAirFakecamSrc, onair_fakecam_src, ONAIR, FAKECAM_SRC, GstBin)

struct _OnAirFakecamSrc
{
  GstBin   parent_instance;
  GstPad  *ghost;
  char    *kind;
  guint    color;
  char    *path;
  char    *file;     /* its key file: when that goes, the camera is unplugged */
  gboolean built;
  gint     unplugged; /* atomic */
};

enum { PROP_0, PROP_KIND, PROP_COLOR, PROP_DEVICE, PROP_FILE, N_PROPS };

G_DEFINE_TYPE (OnAirFakecamSrc, onair_fakecam_src, GST_TYPE_BIN)

static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("image/jpeg; video/x-raw, format=YUY2; video/x-bayer"));

/* Garbles a JPEG after its first segment, as a camera whose JPEG encoder
 * misbehaves: the decoder gives up on every frame. */
static GstPadProbeReturn
corrupt_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstMapInfo map;

  if (gst_buffer_map (buffer, &map, GST_MAP_WRITE))
    {
      for (gsize i = 20; i + 2 < map.size; i++)
        map.data[i] = (guint8) (i * 131);
      gst_buffer_unmap (buffer, &map);
    }
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/* A camera pulled out mid-stream fails the way v4l2src does then. */
static GstPadProbeReturn
unplug_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OnAirFakecamSrc *self = user_data;

  if (self->file == NULL || g_file_test (self->file, G_FILE_TEST_EXISTS))
    return GST_PAD_PROBE_OK;
  if (g_atomic_int_compare_and_exchange (&self->unplugged, 0, 1))
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
                       ("Could not read from resource."),
                       ("Error reading from device '%s': No such device", self->path));
  return GST_PAD_PROBE_DROP;
}

static GstElement *
add (GstBin *bin, const char *factory)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  g_assert (element != NULL);
  gst_bin_add (bin, element);
  return element;
}

/* Picks the mode downstream asked for, as a camera driver does. */
static GstCaps *
negotiated_caps (OnAirFakecamSrc *self)
{
  g_autoptr(GstCaps) offered = caps_for_kind (self->kind);
  g_autoptr(GstCaps) wanted = gst_pad_peer_query_caps (self->ghost, offered);

  if (wanted == NULL || gst_caps_is_empty (wanted))
    return gst_caps_copy_nth (offered, 0);
  return gst_caps_fixate (gst_caps_copy_nth (wanted, 0));
}

static void
build (OnAirFakecamSrc *self)
{
  GstBin *bin = GST_BIN (self);
  g_autoptr(GstCaps) caps = negotiated_caps (self);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gboolean jpeg = gst_structure_has_name (s, "image/jpeg");
  g_autoptr(GstCaps) raw = NULL;
  int width = 640, height = 480, num = 30, den = 1;
  g_autoptr(GstPad) out = NULL;
  GstElement *src, *filter, *last;

  /* Only what a camera mode fixes: the rest (aspect ratio, colorimetry)
   * is the sensor's, not whatever downstream would accept. */
  gst_structure_get_int (s, "width", &width);
  gst_structure_get_int (s, "height", &height);
  gst_structure_get_fraction (s, "framerate", &num, &den);
  raw = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, jpeg ? "I420" : "YUY2",
                             "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
                             "framerate", GST_TYPE_FRACTION, num, den,
                             "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);

  src = add (bin, "videotestsrc");
  g_object_set (src, "is-live", TRUE, "foreground-color", self->color, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "pattern", "solid-color");
  filter = add (bin, "capsfilter");
  g_object_set (filter, "caps", raw, NULL);
  gst_element_link (src, filter);
  last = filter;
  if (jpeg)
    {
      last = add (bin, "jpegenc");
      gst_element_link (filter, last);
    }
  out = gst_element_get_static_pad (last, "src");
  if (jpeg && g_strcmp0 (self->kind, "broken-jpeg") == 0)
    gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, corrupt_probe, NULL, NULL);
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, unplug_probe, self, NULL);
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->ghost), out);
  gst_bin_sync_children_states (bin);
  self->built = TRUE;
}

static GstStateChangeReturn
onair_fakecam_src_change_state (GstElement *element, GstStateChange transition)
{
  OnAirFakecamSrc *self = ONAIR_FAKECAM_SRC (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    {
      if (g_strcmp0 (self->kind, "busy") == 0)
        {
          GST_ELEMENT_ERROR (element, RESOURCE, BUSY,
                             ("Device '%s' is busy", self->path),
                             ("Device or resource busy (fake camera)"));
          return GST_STATE_CHANGE_FAILURE;
        }
      if (!self->built)
        build (self);
    }
  return GST_ELEMENT_CLASS (onair_fakecam_src_parent_class)->change_state (element, transition);
}

static void
onair_fakecam_src_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  OnAirFakecamSrc *self = ONAIR_FAKECAM_SRC (object);

  switch (id)
    {
    case PROP_KIND: g_free (self->kind); self->kind = g_value_dup_string (value); break;
    case PROP_COLOR: self->color = g_value_get_uint (value); break;
    case PROP_DEVICE: g_free (self->path); self->path = g_value_dup_string (value); break;
    case PROP_FILE: g_free (self->file); self->file = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
onair_fakecam_src_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  OnAirFakecamSrc *self = ONAIR_FAKECAM_SRC (object);

  switch (id)
    {
    case PROP_KIND: g_value_set_string (value, self->kind); break;
    case PROP_COLOR: g_value_set_uint (value, self->color); break;
    case PROP_DEVICE: g_value_set_string (value, self->path); break;
    case PROP_FILE: g_value_set_string (value, self->file); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
onair_fakecam_src_finalize (GObject *object)
{
  OnAirFakecamSrc *self = ONAIR_FAKECAM_SRC (object);

  g_free (self->kind);
  g_free (self->path);
  g_free (self->file);
  G_OBJECT_CLASS (onair_fakecam_src_parent_class)->finalize (object);
}

static void
onair_fakecam_src_class_init (OnAirFakecamSrcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->set_property = onair_fakecam_src_set_property;
  object_class->get_property = onair_fakecam_src_get_property;
  object_class->finalize = onair_fakecam_src_finalize;
  element_class->change_state = onair_fakecam_src_change_state;

  g_object_class_install_property (object_class, PROP_KIND,
    g_param_spec_string ("kind", NULL, NULL, "uvc", flags));
  g_object_class_install_property (object_class, PROP_COLOR,
    g_param_spec_uint ("color", NULL, NULL, 0, G_MAXUINT, 0xffffffff, flags));
  g_object_class_install_property (object_class, PROP_DEVICE,
    g_param_spec_string ("device", NULL, NULL, NULL, flags));
  g_object_class_install_property (object_class, PROP_FILE,
    g_param_spec_string ("file", NULL, NULL, NULL, flags));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "On Air fake camera",
                                         "Source/Video", "A test-only webcam",
                                         "On Air");
}

static void
onair_fakecam_src_init (OnAirFakecamSrc *self)
{
  self->kind = g_strdup ("uvc");
  self->color = 0xffffffff;
  g_autoptr(GstPadTemplate) templ = gst_static_pad_template_get (&src_template);

  self->ghost = gst_ghost_pad_new_no_target_from_template ("src", templ);
  gst_element_add_pad (GST_ELEMENT (self), self->ghost);
}

/* ---------------------------------------------------------------------- */
/* the device                                                             */

#define ONAIR_TYPE_FAKECAM_DEVICE (onair_fakecam_device_get_type ())
G_DECLARE_FINAL_TYPE (OnAirFakecamDevice, onair_fakecam_device, ONAIR, FAKECAM_DEVICE, GstDevice)

struct _OnAirFakecamDevice
{
  GstDevice parent_instance;
  char     *file;  /* the key file that is this camera */
  char     *kind;
  char     *path;
  guint     color;
  double    microphone_hz; /* > 0: this is the camera's microphone */
};

G_DEFINE_TYPE (OnAirFakecamDevice, onair_fakecam_device, GST_TYPE_DEVICE)

static GstElement *
onair_fakecam_device_create_element (GstDevice *device, const char *name)
{
  OnAirFakecamDevice *self = ONAIR_FAKECAM_DEVICE (device);

  if (self->microphone_hz > 0)
    {
      GstElement *src = gst_element_factory_make ("audiotestsrc", name);

      g_object_set (src, "is-live", TRUE, "freq", self->microphone_hz, "volume", 0.5, NULL);
      return src;
    }
  return g_object_new (ONAIR_TYPE_FAKECAM_SRC, "name", name, "kind", self->kind,
                       "color", self->color, "device", self->path, "file", self->file, NULL);
}

static void
onair_fakecam_device_finalize (GObject *object)
{
  OnAirFakecamDevice *self = ONAIR_FAKECAM_DEVICE (object);

  g_free (self->file);
  g_free (self->kind);
  g_free (self->path);
  G_OBJECT_CLASS (onair_fakecam_device_parent_class)->finalize (object);
}

static void
onair_fakecam_device_class_init (OnAirFakecamDeviceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = onair_fakecam_device_finalize;
  GST_DEVICE_CLASS (klass)->create_element = onair_fakecam_device_create_element;
}

static void
onair_fakecam_device_init (OnAirFakecamDevice *self)
{
}

/* A USB bus path for the camera at @path, as udev's ID_PATH; @interface
 * is the USB interface (0: video, 3: audio). */
static char *
bus_path_for (const char *path, guint interface)
{
  const char *digits = path + strcspn (path, "0123456789");
  guint port = *digits ? (guint) g_ascii_strtoull (digits, NULL, 10) : g_str_hash (path) % 1000;

  return g_strdup_printf ("pci-0000:00:14.0-usb-0:%u:1.%u", port, interface);
}

static GstDevice *
microphone_device (const char *file, const char *name, const char *path, double hz)
{
  g_autofree char *bus_path = bus_path_for (path, 3);
  g_autofree char *display = g_strdup_printf ("%s Analog Mono", name ? name : "Fake camera");
  g_autoptr(GstCaps) caps = gst_caps_from_string ("audio/x-raw, format=S16LE, rate=48000, channels=1");
  GstStructure *props;
  OnAirFakecamDevice *device;

  props = gst_structure_new ("onair-fakecam-proplist",
                             "device.api", G_TYPE_STRING, "alsa",
                             "device.class", G_TYPE_STRING, "sound",
                             "device.bus", G_TYPE_STRING, "usb",
                             "device.bus_path", G_TYPE_STRING, bus_path,
                             NULL);
  device = g_object_new (ONAIR_TYPE_FAKECAM_DEVICE, "display-name", display,
                         "device-class", "Audio/Source", "caps", caps, "properties", props, NULL);
  gst_structure_free (props);
  device->file = g_strdup (file);
  device->path = g_strdup (path);
  device->microphone_hz = hz;
  return GST_DEVICE (device);
}

/* The devices a camera file describes: its microphone if it has one,
 * first (so that it is listed by the time the camera is), and the camera. */
static GList *
devices_from_file (const char *file)
{
  g_autoptr(GKeyFile) key = g_key_file_new ();
  g_autofree char *name = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *color = NULL;
  g_autofree char *path = NULL;
  g_autofree char *base = g_path_get_basename (file);
  g_autofree char *bus_path = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstStructure *props;
  OnAirFakecamDevice *device;
  GList *devices = NULL;

  if (!g_key_file_load_from_file (key, file, G_KEY_FILE_NONE, NULL))
    return NULL;
  name = g_key_file_get_string (key, "camera", "name", NULL);
  kind = g_key_file_get_string (key, "camera", "kind", NULL);
  color = g_key_file_get_string (key, "camera", "color", NULL);
  path = g_key_file_get_string (key, "camera", "path", NULL);
  if (path == NULL)
    {
      *strrchr (base, '.') = '\0';
      path = g_strconcat ("/dev/fakecam/", base, NULL);
    }
  if (kind == NULL)
    kind = g_strdup ("uvc");
  if (g_key_file_get_boolean (key, "camera", "microphone", NULL))
    {
      double hz = g_key_file_get_double (key, "camera", "microphone-hz", NULL);

      devices = g_list_append (devices, microphone_device (file, name, path, hz > 0 ? hz : 660));
    }

  caps = caps_for_kind (kind);
  bus_path = bus_path_for (path, 0);
  props = gst_structure_new ("onair-fakecam-proplist",
                             "device.api", G_TYPE_STRING, "v4l2",
                             "device.path", G_TYPE_STRING, path,
                             "api.v4l2.path", G_TYPE_STRING, path,
                             "device.bus", G_TYPE_STRING, "usb",
                             "device.bus_path", G_TYPE_STRING, bus_path,
                             "v4l2.device.driver", G_TYPE_STRING, "uvcvideo",
                             "v4l2.device.card", G_TYPE_STRING, name ? name : "Fake camera",
                             NULL);
  device = g_object_new (ONAIR_TYPE_FAKECAM_DEVICE,
                         "display-name", name ? name : "Fake camera",
                         "device-class", "Video/Source", "caps", caps,
                         "properties", props, NULL);
  gst_structure_free (props);
  device->file = g_strdup (file);
  device->kind = g_steal_pointer (&kind);
  device->path = g_steal_pointer (&path);
  device->color = color ? (guint) g_ascii_strtoull (color, NULL, 0) : 0xffffffff;
  return g_list_append (devices, device);
}

/* ---------------------------------------------------------------------- */
/* the provider: polls the folder on a thread of its own while started    */

#define ONAIR_TYPE_FAKECAM_PROVIDER (onair_fakecam_provider_get_type ())
G_DECLARE_FINAL_TYPE (OnAirFakecamProvider, onair_fakecam_provider, ONAIR, FAKECAM_PROVIDER,
                      GstDeviceProvider)

struct _OnAirFakecamProvider
{
  GstDeviceProvider parent_instance;
  GThread          *thread;
  gint              stopping;  /* atomic */
  GHashTable       *known;     /* file → GList of its GstDevices (owned by the provider) */
};

G_DEFINE_TYPE (OnAirFakecamProvider, onair_fakecam_provider, GST_TYPE_DEVICE_PROVIDER)

/* The camera files there now, sorted, so devices come in a stable order. */
static GPtrArray *
list_files (void)
{
  const char *dir = g_getenv ("ONAIR_FAKECAM_DIR");
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = dir ? g_dir_open (dir, 0, NULL) : NULL;
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (entry, ".cam"))
      g_ptr_array_add (files, g_build_filename (dir, entry, NULL));
  g_ptr_array_sort (files, (GCompareFunc) g_strcmp0);
  return files;
}

static GList *
onair_fakecam_provider_probe (GstDeviceProvider *provider)
{
  g_autoptr(GPtrArray) files = list_files ();
  GList *devices = NULL;

  for (guint i = 0; i < files->len; i++)
    {
      GList *found = devices_from_file (g_ptr_array_index (files, i));

      for (GList *l = found; l != NULL; l = l->next)
        gst_object_ref_sink (l->data);
      devices = g_list_concat (devices, found);
    }
  return devices;
}

static void
scan (OnAirFakecamProvider *self)
{
  g_autoptr(GPtrArray) files = list_files ();
  GHashTableIter iter;
  gpointer file, devices;

  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, &file, &devices))
    if (!g_ptr_array_find_with_equal_func (files, file, g_str_equal, NULL))
      {
        for (GList *l = devices; l != NULL; l = l->next)
          gst_device_provider_device_remove (GST_DEVICE_PROVIDER (self), l->data);
        g_hash_table_iter_remove (&iter);
      }

  for (guint i = 0; i < files->len; i++)
    {
      const char *f = g_ptr_array_index (files, i);
      GList *added;

      if (g_hash_table_contains (self->known, f) || (added = devices_from_file (f)) == NULL)
        continue;
      g_hash_table_insert (self->known, g_strdup (f), added);
      for (GList *l = added; l != NULL; l = l->next)
        gst_device_provider_device_add (GST_DEVICE_PROVIDER (self), l->data);
    }
}

static gpointer
poll_thread (gpointer data)
{
  OnAirFakecamProvider *self = data;

  while (!g_atomic_int_get (&self->stopping))
    {
      g_usleep (POLL_MS * 1000);
      if (!g_atomic_int_get (&self->stopping))
        scan (self);
    }
  return NULL;
}

static gboolean
onair_fakecam_provider_start (GstDeviceProvider *provider)
{
  OnAirFakecamProvider *self = ONAIR_FAKECAM_PROVIDER (provider);

  g_hash_table_remove_all (self->known);
  scan (self);
  g_atomic_int_set (&self->stopping, 0);
  self->thread = g_thread_new ("fakecam-poll", poll_thread, self);
  return TRUE;
}

static void
onair_fakecam_provider_stop (GstDeviceProvider *provider)
{
  OnAirFakecamProvider *self = ONAIR_FAKECAM_PROVIDER (provider);
  GHashTableIter iter;
  gpointer devices;

  g_atomic_int_set (&self->stopping, 1);
  g_clear_pointer (&self->thread, g_thread_join);
  g_hash_table_iter_init (&iter, self->known);
  while (g_hash_table_iter_next (&iter, NULL, &devices))
    for (GList *l = devices; l != NULL; l = l->next)
      gst_device_provider_device_remove (provider, l->data);
  g_hash_table_remove_all (self->known);
}

static void
onair_fakecam_provider_finalize (GObject *object)
{
  g_hash_table_unref (ONAIR_FAKECAM_PROVIDER (object)->known);
  G_OBJECT_CLASS (onair_fakecam_provider_parent_class)->finalize (object);
}

static void
onair_fakecam_provider_class_init (OnAirFakecamProviderClass *klass)
{
  GstDeviceProviderClass *provider_class = GST_DEVICE_PROVIDER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = onair_fakecam_provider_finalize;
  provider_class->probe = onair_fakecam_provider_probe;
  provider_class->start = onair_fakecam_provider_start;
  provider_class->stop = onair_fakecam_provider_stop;
  /* A monitor asks only providers whose classes cover its filter's. */
  gst_device_provider_class_set_static_metadata (provider_class, "On Air fake cameras",
                                                 "Source/Video/Audio", "Test-only webcams",
                                                 "On Air");
}

static void
onair_fakecam_provider_init (OnAirFakecamProvider *self)
{
  /* gst_device_provider_device_add() takes the device's floating ref;
   * removal drops it, so the table holds no ref of its own. */
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_list_free);
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "onairfakecamsrc", GST_RANK_NONE, ONAIR_TYPE_FAKECAM_SRC) &&
         gst_device_provider_register (plugin, "onairfakecamprovider", GST_RANK_PRIMARY,
                                       ONAIR_TYPE_FAKECAM_PROVIDER);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, onairfakecam,
                   "Test-only webcams for On Air's tests", plugin_init, "0.1.0",
                   "GPL", "onair", "https://github.com/onair")
