/* on-air-source-spec.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "on-air-source-spec"

#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "on-air-error.h"
#include "on-air-source-spec.h"

G_DEFINE_QUARK (on-air-error-quark, on_air_error)

struct _OnAirSourceSpec
{
  gatomicrefcount ref_count;
  OnAirSourceKind kind;
  char *device;
  char *location;
  char *user;
  char *password;
  char *description;
};

G_DEFINE_BOXED_TYPE (OnAirSourceSpec, on_air_source_spec,
                     on_air_source_spec_ref, on_air_source_spec_unref)

static gboolean
is_video_device_path (const char *path)
{
  const char *p;

  if (!g_str_has_prefix (path, "/dev/video"))
    return FALSE;
  p = path + strlen ("/dev/video");
  if (*p == '\0')
    return FALSE;
  for (; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* Returns the URI with the userinfo removed, or NULL if it is not a
 * valid rtsp:// or rtsps:// URI with a host. */
static GUri *
parse_rtsp_uri (const char *text, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("Not a valid RTSP address (expected rtsp://host[:port]/path)"));
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "rtsp") != 0 &&
      g_ascii_strcasecmp (scheme, "rtsps") != 0 &&
      g_ascii_strcasecmp (scheme, "rtspt") != 0)
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("Not an RTSP address (expected rtsp://…)"));
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("The RTSP address has no host"));
      return NULL;
    }
  return g_steal_pointer (&uri);
}

static char *
uri_without_userinfo (GUri *uri)
{
  return g_uri_join (G_URI_FLAGS_ENCODED,
                     g_uri_get_scheme (uri), NULL,
                     g_uri_get_host (uri), g_uri_get_port (uri),
                     g_uri_get_path (uri), g_uri_get_query (uri),
                     g_uri_get_fragment (uri));
}

char *
on_air_redact_uri (const char *text)
{
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return g_strdup ("(invalid address)");
  return uri_without_userinfo (uri);
}

OnAirSourceSpec *
on_air_source_spec_parse (const char *text, GError **error)
{
  g_autoptr(OnAirSourceSpec) spec = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  spec = g_new0 (OnAirSourceSpec, 1);
  g_atomic_ref_count_init (&spec->ref_count);

  if (text == NULL || *text == '\0' || g_str_equal (text, "auto"))
    {
      spec->kind = ON_AIR_SOURCE_AUTO;
      spec->description = g_strdup (_("First camera, else test pattern"));
    }
  else if (g_str_equal (text, "test"))
    {
      spec->kind = ON_AIR_SOURCE_TEST;
      spec->description = g_strdup (_("Test pattern"));
    }
  else if (g_str_equal (text, "camera"))
    {
      spec->kind = ON_AIR_SOURCE_CAMERA;
      spec->description = g_strdup (_("First camera"));
    }
  else if (g_str_has_prefix (text, "v4l2://"))
    {
      const char *path = text + strlen ("v4l2://");

      if (!is_video_device_path (path))
        {
          g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                       _("Not a camera device: expected v4l2:///dev/videoN"));
          return NULL;
        }
      spec->kind = ON_AIR_SOURCE_CAMERA;
      spec->device = g_strdup (path);
      spec->description = g_strdup_printf (_("Camera %s"), path);
    }
  else if (g_str_has_prefix (text, "pipewire://"))
    {
      const char *key = text + strlen ("pipewire://");

      if (*key == '\0' || strpbrk (key, " \t\n/") != NULL)
        {
          g_set_error (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                       _("Not a PipeWire camera: expected pipewire://NODE-NAME or pipewire://SERIAL"));
          return NULL;
        }
      /* The whole id: on_air_camera_find() tells it from a device node. */
      spec->kind = ON_AIR_SOURCE_CAMERA;
      spec->device = g_strdup (text);
      spec->description = g_strdup_printf (_("PipeWire camera %s"), key);
    }
  else if (g_ascii_strncasecmp (text, "rtsp", 4) == 0)
    {
      g_autoptr(GUri) uri = parse_rtsp_uri (text, error);

      if (uri == NULL)
        return NULL;
      spec->kind = ON_AIR_SOURCE_RTSP;
      spec->location = uri_without_userinfo (uri);
      if (g_uri_get_user (uri) != NULL)
        spec->user = g_uri_unescape_string (g_uri_get_user (uri), NULL);
      if (g_uri_get_password (uri) != NULL)
        spec->password = g_uri_unescape_string (g_uri_get_password (uri), NULL);
      spec->description = g_strdup (spec->location);
    }
  else
    {
      g_set_error_literal (error, ON_AIR_ERROR, ON_AIR_ERROR_INVALID_SOURCE,
                           _("Unknown source: use auto, camera, v4l2:///dev/videoN, "
                           "pipewire://NODE, rtsp://host/path or test"));
      return NULL;
    }

  return g_steal_pointer (&spec);
}

OnAirSourceSpec *
on_air_source_spec_ref (OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_atomic_ref_count_inc (&spec->ref_count);
  return spec;
}

void
on_air_source_spec_unref (OnAirSourceSpec *spec)
{
  g_return_if_fail (spec != NULL);
  if (!g_atomic_ref_count_dec (&spec->ref_count))
    return;
  g_free (spec->device);
  g_free (spec->location);
  g_free (spec->user);
  if (spec->password != NULL)
    memset (spec->password, 0, strlen (spec->password));
  g_free (spec->password);
  g_free (spec->description);
  g_free (spec);
}

OnAirSourceKind
on_air_source_spec_get_kind (const OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, ON_AIR_SOURCE_AUTO);
  return spec->kind;
}

const char *
on_air_source_spec_get_kind_name (const OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  switch (spec->kind)
    {
    case ON_AIR_SOURCE_AUTO: return "auto";
    case ON_AIR_SOURCE_CAMERA: return "camera";
    case ON_AIR_SOURCE_RTSP: return "rtsp";
    case ON_AIR_SOURCE_TEST: return "test";
    default: g_assert_not_reached ();
    }
}

const char *
on_air_source_spec_get_device (const OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->device;
}

const char *
on_air_source_spec_get_location (const OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->location;
}

const char *
on_air_source_spec_get_user (const OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->user;
}

const char *
on_air_source_spec_get_password (const OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->password;
}

const char *
on_air_source_spec_get_description (const OnAirSourceSpec *spec)
{
  g_return_val_if_fail (spec != NULL, NULL);
  return spec->description;
}
