#!/bin/sh
# Docker mode's nginx command (compose.yaml): nginx in the foreground with the arguments given,
# and njs (njs/edge.js) loaded where it is a module of its own. The lab's static nginx, which
# native mode and the Docker stand-in run, has njs built in and could not load it again; the
# official image keeps it in modules/ as a module to load.
set -eu
if nginx -V 2>&1 | grep -q -- '--add-module=[^ ]*njs'; then
  exec nginx -g 'daemon off;' "$@"
fi
exec nginx -g 'load_module modules/ngx_http_js_module.so; daemon off;' "$@"
