#!/usr/bin/python3
"""The design On Air replaces: the widely copied "video streaming with Flask
and OpenCV" tutorial, kept as it is for the benchmark to compare against.

Every request to /video_feed opens its own cv2.VideoCapture on the camera and
runs its own cv2.imencode per frame, in a thread of Flask's threaded
development server; each part is written as the tutorial writes it (boundary,
Content-Type, the JPEG, no Content-Length).

    app.py --source rtsp://127.0.0.1:PORT/cam --port 5000

SPDX-License-Identifier: GPL-3.0-or-later
"""
import argparse
import logging

import cv2
from flask import Flask, Response

app = Flask(__name__)
SOURCE = None


def gen_frames():
    camera = cv2.VideoCapture(SOURCE)  # one capture per viewer, as in the tutorial
    try:
        while True:
            success, frame = camera.read()
            if not success:
                break
            ret, buffer = cv2.imencode('.jpg', frame)  # one encode per viewer
            frame = buffer.tobytes()
            yield (b'--frame\r\n'
                   b'Content-Type: image/jpeg\r\n\r\n' + frame + b'\r\n')
    finally:
        camera.release()


@app.route('/video_feed')
def video_feed():
    return Response(gen_frames(), mimetype='multipart/x-mixed-replace; boundary=frame')


@app.route('/')
def index():
    return '<html><body><img src="/video_feed"></body></html>'


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--source', required=True, help='what cv2.VideoCapture opens (an rtsp:// URL)')
    parser.add_argument('--port', type=int, default=5000)
    args = parser.parse_args()
    SOURCE = args.source
    logging.getLogger('werkzeug').setLevel(logging.WARNING)
    app.run(host='127.0.0.1', port=args.port, threaded=True)
