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
  ON_AIR_SOURCE_CAMERA, /* first camera, or a given /dev/videoN */
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
/* /dev/videoN for a given camera, NULL for "first camera". */
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
