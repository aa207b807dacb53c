/* on-air-camera.h: the cameras GstDeviceMonitor lists, and the mode to ask
 * each one for; the engine opens them and the window lists them through
 * this one place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The largest picture On Air asks a camera for, and the rate it wants. */
#define ON_AIR_CAMERA_MAX_WIDTH  1280
#define ON_AIR_CAMERA_MAX_HEIGHT 720
#define ON_AIR_CAMERA_FPS        30

/* One camera as On Air offers it. */
typedef struct
{
  char      *id;    /* the source id, see on_air_camera_dup_id() */
  char      *name;  /* for people */
  char      *path;  /* the /dev node it opens or, for PipeWire, wraps; or NULL */
  GstDevice *device;
} OnAirCamera;

void              on_air_camera_free         (OnAirCamera *camera);

/* A monitor of video capture devices, not started. */
GstDeviceMonitor *on_air_camera_monitor_new  (void);
/* The source id On Air opens @device by, or NULL when it is not a camera
 * On Air can open: "v4l2:///dev/video0" for a V4L2 node, and for a
 * PipeWire node "pipewire://" and its node.name (stable across replugging
 * and restarts), or its object.serial when it has no name. */
char             *on_air_camera_dup_id       (GstDevice *device);
/* The cameras among @devices (in the order given) that On Air offers:
 * PipeWire's, and V4L2 nodes that no PipeWire camera wraps. A list of
 * OnAirCamera. */
GList            *on_air_camera_list_devices (GList            *devices);
/* The same for what @monitor (started) lists, oldest first. */
GList            *on_air_camera_list         (GstDeviceMonitor *monitor);
/* The camera @id names: a source id ("pipewire://…", "v4l2:///dev/…"),
 * a device node ("/dev/video0", also found through the PipeWire camera
 * that wraps it), or NULL for the first camera. NULL when there is none. */
GstDevice        *on_air_camera_find         (const char *id);
/* The microphone built into @camera, or NULL: the "Audio/Source" device
 * of the same hardware, by bus path (udev's ID_PATH, the USB interface
 * left out), else by the USB device in sysfs, else by USB vendor,
 * product and serial. A PipeWire camera is also known by the V4L2 node
 * it wraps. Prefers a microphone from the camera's own provider. */
GstDevice        *on_air_camera_find_microphone (GstDevice *camera);
/* The element that captures from @device. PipeWire's is stamped with the
 * capture time: nodes that programs publish (virtual cameras) send
 * buffers without timestamps. */
GstElement       *on_air_camera_create_element (GstDevice *device);
/* Picks the camera mode to ask for: the largest picture up to the maximum
 * that runs at the wanted rate, the camera's own MJPEG before raw. Sets
 * @is_jpeg. */
GstCaps          *on_air_camera_choose_caps  (GstCaps   *device_caps,
                                              gboolean  *is_jpeg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OnAirCamera, on_air_camera_free)

G_END_DECLS
