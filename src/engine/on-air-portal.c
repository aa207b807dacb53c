/* on-air-portal.c: cameras inside a Flatpak sandbox, through the camera
 * portal
 *
 * The sandbox has no /dev/video*: the camera portal asks the user, then
 * gives a PipeWire connection that sees only cameras. GStreamer's
 * pipewiredeviceprovider takes that connection as its "fd"; a device
 * provider is one instance per factory, so the GstDeviceMonitor started
 * afterwards lists those cameras and gst_device_create_element() makes a
 * pipewiresrc on the same fd. GDBus only: libportal is not in GNOME's
 * runtime.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-portal"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gunixfdlist.h>
#include <gst/gst.h>
#include <unistd.h>

#include "on-air-error.h"
#include "on-air-portal.h"

#define PORTAL_BUS_NAME     "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH  "/org/freedesktop/portal/desktop"
#define CAMERA_INTERFACE    "org.freedesktop.portal.Camera"
#define REQUEST_INTERFACE   "org.freedesktop.portal.Request"
/* The portal asks the user: no timeout of ours cuts the dialog short. */
#define NO_TIMEOUT          G_MAXINT

/* org.freedesktop.portal.Request's Response: 0 granted, 1 the user
 * refused, 2 another failure. */
enum { RESPONSE_SUCCESS = 0, RESPONSE_CANCELLED = 1 };

/* The provider and the fd it was given live as long as the process: the
 * provider reads the fd again each time a monitor starts. */
static GstDeviceProvider *camera_provider;
static int camera_fd = -1;

typedef struct
{
  GDBusConnection *bus;
  GCancellable    *cancellable;
  char            *request_path;
  guint            response_id;
  gulong           cancelled_id;
  gboolean         answered;     /* the Response came, or the caller cancelled */
} OpenCameras;

static void
stop_listening (OpenCameras *op)
{
  if (op->response_id != 0)
    g_dbus_connection_signal_unsubscribe (op->bus, op->response_id);
  op->response_id = 0;
}

static void
open_cameras_free (OpenCameras *op)
{
  stop_listening (op);
  if (op->cancelled_id != 0)
    g_cancellable_disconnect (op->cancellable, op->cancelled_id);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->bus);
  g_free (op->request_path);
  g_free (op);
}

static void
return_portal_error (GTask *task, GError *dbus_error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (dbus_error);

  if (g_error_matches (dbus_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_error_copy (dbus_error));
      return;
    }
  g_dbus_error_strip_remote_error (dbus_error);
  g_debug ("camera portal: %s (%s)", dbus_error->message, remote ? remote : "local");
  g_task_return_new_error (task, ON_AIR_ERROR, ON_AIR_ERROR_PORTAL,
                           _("Cameras cannot be used: the camera portal is not available (%s)"),
                           dbus_error->message);
}

/* Gives @fd (taken) to the PipeWire device provider. */
static gboolean
hand_fd_to_provider (int fd, GError **error)
{
  g_autoptr(GstDeviceProviderFactory) factory = NULL;

  factory = gst_device_provider_factory_find ("pipewiredeviceprovider");
  if (factory == NULL)
    {
      close (fd);
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_MISSING_ELEMENT,
                   _("Cameras cannot be used: the GStreamer PipeWire plugin is not installed"));
      return FALSE;
    }
  if (camera_provider == NULL)
    camera_provider = gst_device_provider_factory_get (factory);
  if (camera_provider == NULL)
    {
      close (fd);
      g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_MISSING_ELEMENT,
                   _("Cameras cannot be used: GStreamer’s PipeWire camera list does not load"));
      return FALSE;
    }
  g_object_set (camera_provider, "fd", fd, NULL);
  if (camera_fd >= 0)
    close (camera_fd);
  camera_fd = fd;
  return TRUE;
}

static void
on_remote_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint32 index = -1;
  int fd;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fds,
                                                           result, &error);
  if (reply == NULL)
    {
      return_portal_error (task, error);
      return;
    }
  g_variant_get (reply, "(h)", &index);
  fd = fds != NULL ? g_unix_fd_list_get (fds, index, &error) : -1;
  if (fd < 0)
    {
      g_task_return_new_error (task, ON_AIR_ERROR, ON_AIR_ERROR_PORTAL,
                               _("Cameras cannot be used: the camera portal gave no PipeWire connection"));
      return;
    }
  if (!hand_fd_to_provider (fd, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
open_remote (GTask *task)
{
  OpenCameras *op = g_task_get_task_data (task);
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_dbus_connection_call_with_unix_fd_list (op->bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                                            CAMERA_INTERFACE, "OpenPipeWireRemote",
                                            g_variant_new ("(a{sv})", &options),
                                            G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE,
                                            -1, NULL, g_task_get_cancellable (task),
                                            on_remote_opened, g_object_ref (task));
}

static void
on_response (GDBusConnection *bus,
             const char      *sender,
             const char      *path,
             const char      *interface,
             const char      *signal,
             GVariant        *parameters,
             gpointer         user_data)
{
  g_autoptr(GTask) task = g_object_ref (user_data);
  OpenCameras *op = g_task_get_task_data (task);
  guint32 response = RESPONSE_CANCELLED;

  if (op->answered || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;
  op->answered = TRUE;
  g_variant_get (parameters, "(u@a{sv})", &response, NULL);
  stop_listening (op);

  if (response == RESPONSE_SUCCESS)
    open_remote (task);
  else
    g_task_return_new_error (task, ON_AIR_ERROR, ON_AIR_ERROR_CAMERA_DENIED,
                             _("On Air may not use the camera. Allow it in Settings, under "
                               "Apps → On Air → Camera, then open On Air again. "
                               "The test pattern and network cameras still work."));
}

static void
listen_for_response (GTask *task, const char *path)
{
  OpenCameras *op = g_task_get_task_data (task);

  stop_listening (op);
  g_free (op->request_path);
  op->request_path = g_strdup (path);
  op->response_id = g_dbus_connection_signal_subscribe (op->bus, PORTAL_BUS_NAME,
                                                        REQUEST_INTERFACE, "Response", path,
                                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                        on_response, g_object_ref (task),
                                                        g_object_unref);
}

/* The caller gave up while the portal asks the user: close the dialog. */
static void
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  OpenCameras *op = g_task_get_task_data (task);

  if (op->answered)
    return;
  op->answered = TRUE;
  stop_listening (op);
  g_dbus_connection_call (op->bus, PORTAL_BUS_NAME, op->request_path, REQUEST_INTERFACE,
                          "Close", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  g_task_return_error_if_cancelled (task);
}

static void
on_access_requested (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenCameras *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const char *handle = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (op->answered)
    return;
  if (reply == NULL)
    {
      op->answered = TRUE;
      stop_listening (op);
      return_portal_error (task, error);
      return;
    }
  /* Portals older than handle_token pick their own path. */
  g_variant_get (reply, "(&o)", &handle);
  if (!g_str_equal (handle, op->request_path))
    listen_for_response (task, handle);
}

/* The Request path the portal uses for @token (its documented scheme), so
 * that the Response cannot come before we listen for it. */
static char *
request_path (GDBusConnection *bus, const char *token)
{
  g_autofree char *sender = g_strdup (g_dbus_connection_get_unique_name (bus) + 1);

  g_strdelimit (sender, ".", '_');
  return g_strdup_printf (PORTAL_OBJECT_PATH "/request/%s/%s", sender, token);
}

static void
request_access (GTask *task)
{
  OpenCameras *op = g_task_get_task_data (task);
  g_autofree char *token = g_strdup_printf ("onair%u", g_random_int ());
  g_autofree char *path = request_path (op->bus, token);
  GVariantBuilder options;

  listen_for_response (task, path);
  if (op->cancellable != NULL)
    {
      op->cancelled_id = g_cancellable_connect (op->cancellable, G_CALLBACK (on_cancelled),
                                                task, NULL);
      if (op->answered)
        return;
    }

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  /* Not cancellable: the call returns at once; the wait is for Response. */
  g_dbus_connection_call (op->bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, CAMERA_INTERFACE,
                          "AccessCamera", g_variant_new ("(a{sv})", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, NO_TIMEOUT,
                          NULL, on_access_requested, g_object_ref (task));
}

static void
on_presence_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      return_portal_error (task, error);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) && !g_variant_get_boolean (value))
    g_task_return_new_error (task, ON_AIR_ERROR, ON_AIR_ERROR_NO_CAMERA,
                             _("No camera is connected. Connect one and open On Air again; "
                               "the test pattern and network cameras still work."));
  else
    request_access (task);
}

static void
read_presence (GTask *task)
{
  OpenCameras *op = g_task_get_task_data (task);

  g_dbus_connection_call (op->bus, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", CAMERA_INTERFACE, "IsCameraPresent"),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), on_presence_read, g_object_ref (task));
}

static void
on_bus_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenCameras *op = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  op->bus = g_bus_get_finish (result, &error);
  if (op->bus == NULL)
    return_portal_error (task, error);
  else
    read_presence (task);
}

gboolean
on_air_portal_is_sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

void
on_air_portal_open_cameras_async (GDBusConnection     *bus,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  OpenCameras *op;

  g_return_if_fail (bus == NULL || G_IS_DBUS_CONNECTION (bus));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, on_air_portal_open_cameras_async);
  op = g_new0 (OpenCameras, 1);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, op, (GDestroyNotify) open_cameras_free);

  if (bus != NULL)
    {
      op->bus = g_object_ref (bus);
      read_presence (task);
    }
  else
    g_bus_get (G_BUS_TYPE_SESSION, cancellable, on_bus_ready, g_object_ref (task));
}

gboolean
on_air_portal_open_cameras_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == on_air_portal_open_cameras_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

int
on_air_portal_get_fd (void)
{
  return camera_fd;
}
