#!/usr/bin/env bash
# A throwaway nginx WebDAV server for the HTTP remote tests, on loopback.
#
#   nginx.sh start DIR PORT USER PASS [readonly]   # serves DIR/data at 127.0.0.1:PORT
#   nginx.sh stop DIR
#
# GET/HEAD always; PUT/DELETE unless `readonly`; basic auth for all.
# Needs Debian's nginx-light, apache2-utils (htpasswd) and
# libnginx-mod-http-dav-ext (PROPFIND). Adapted from
# the team's recipe (shared/recipes/nginx_up.sh); this copy is the
# project's own, so tests do not depend on that folder.
set -euo pipefail
cmd=${1:?start|stop}; R=${2:?dir}
if [ "$cmd" = stop ]; then
  [ -f "$R/master.pid" ] && kill "$(cat "$R/master.pid")" 2>/dev/null || true
  exit 0
fi
PORT=${3:?port}; U=${4:?user}; P=${5:?password}; MODE=${6:-readwrite}
mkdir -p "$R"/{logs,tmp,data}
htpasswd -bc "$R/htpasswd" "$U" "$P" 2>/dev/null
dav="dav_methods PUT DELETE MKCOL COPY MOVE; create_full_put_path on;"
[ "$MODE" = readonly ] && dav=""
# PROPFIND lists a folder (the model registry's packs): Debian's
# libnginx-mod-http-dav-ext, loaded when installed; without it the server
# answers 405, as a plain HTTP server would.
ext_module=/usr/lib/nginx/modules/ngx_http_dav_ext_module.so
load_ext=""; dav_ext=""
if [ -f "$ext_module" ] && [ "${NGINX_NO_PROPFIND:-}" != 1 ]; then
  load_ext="load_module $ext_module;"; dav_ext="dav_ext_methods PROPFIND OPTIONS;"
fi
cat >"$R/nginx.conf" <<CONF
$load_ext
daemon off;
user root;                  # as root, workers must be root too, or every PUT fails 500
master_process on;
worker_processes 1;
pid $R/nginx.pid;
error_log $R/logs/error.log warn;
events { worker_connections 256; }
http {
    # The connection serial number: tests count connections to check reuse.
    log_format conn '\$connection \$request_method \$status \$uri';
    access_log $R/logs/access.log conn;
    client_body_temp_path $R/tmp/client_body;
    proxy_temp_path       $R/tmp/proxy;
    fastcgi_temp_path     $R/tmp/fastcgi;
    uwsgi_temp_path       $R/tmp/uwsgi;
    scgi_temp_path        $R/tmp/scgi;
    client_max_body_size 0;
    server {
        listen 127.0.0.1:$PORT;
        root $R/data;
        location / {
            auth_basic "remote";
            auth_basic_user_file $R/htpasswd;
            $dav
            $dav_ext
            dav_access user:rw group:r all:r;
        }
    }
}
CONF
nginx -e "$R/logs/error.log" -c "$R/nginx.conf" -p "$R" >"$R/logs/stdout.log" 2>&1 &
echo $! >"$R/master.pid"
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && exit 0
  sleep 0.05
done
echo "nginx did not come up on port $PORT; see $R/logs/error.log" >&2
exit 1
