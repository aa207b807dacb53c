/* on-air-source-spec.h: what the user asked to broadcast
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  ON_AIR_SOURCE_AUTO,   /* first camera, else the test pattern */
  ON_AIR_SOURCE_CAMERA, /* first camera, a given /dev/videoN, or pipewire://KEY */
  ON_AIR_SOURCE_RTSP,
  ON_AIR_SOURCE_TEST,
} OnAirSourceKind;

typedef struct _OnAirSourceSpec OnAirSourceSpec;

#define ON_AIR_TYPE_SOURCE_SPEC (on_air_source_spec_get_type ())

GType            on_air_source_spec_get_type       (void) G_GNUC_CONST;
OnAirSourceSpec *on_air_source_spec_parse          (const char             *text,
                                                    GError                **error);
OnAirSourceSpec *on_air_source_spec_ref            (OnAirSourceSpec        *spec);
void             on_air_source_spec_unref          (OnAirSourceSpec        *spec);
OnAirSourceKind  on_air_source_spec_get_kind       (const OnAirSourceSpec  *spec);
const char      *on_air_source_spec_get_kind_name  (const OnAirSourceSpec  *spec);
/* The camera asked for, as on_air_camera_find() takes it: /dev/videoN
 * for v4l2:///dev/videoN, the whole id for pipewire://NODE-NAME or
 * pipewire://SERIAL; NULL for "first camera" (camera and auto, in the
 * order on_air_camera_list() gives). */
const char      *on_air_source_spec_get_device     (const OnAirSourceSpec  *spec);
/* The RTSP location without user and password. */
const char      *on_air_source_spec_get_location   (const OnAirSourceSpec  *spec);
const char      *on_air_source_spec_get_user       (const OnAirSourceSpec  *spec);
const char      *on_air_source_spec_get_password   (const OnAirSourceSpec  *spec);
/* Safe to log and show: never carries credentials. */
const char      *on_air_source_spec_get_description (const OnAirSourceSpec *spec);

char            *on_air_redact_uri                 (const char             *uri);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnAirSourceSpec, on_air_source_spec_unref)

G_END_DECLS
