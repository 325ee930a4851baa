#!/bin/sh
# Real nginx (Debian's nginx package) as a drill's app: one pod's server on 127.0.0.1:$PORT, with
# its own configuration, pid file and temp files under $DRILL_SCRATCH (a fresh directory the drill
# gives each container start), so it needs neither /etc/nginx nor port 80 nor root. It execs
# nginx in the foreground, so nginx's master process is the container's PID 1 and gets the
# kubelet's signals itself: SIGTERM is its fast shutdown, SIGQUIT (`nginx -s quit`, which the drill
# replays from a preStop hook) its graceful one (docs/kubernetes-semantics.md 1.8a).
#
#   graceful-drill web.yaml --exec "sh examples/drill-apps/nginx-app.sh"
#
# Env: PORT (required), POD_NAME (answered in the x-pod header), DRILL_SCRATCH (default: a new
# temporary directory), NGINX (default: nginx on PATH, else /usr/sbin/nginx), UPSTREAM_PORT (when
# set, requests other than the health checks are proxied to 127.0.0.1:$UPSTREAM_PORT, as nginx in
# front of an app container of the same pod; default: nginx answers them itself).
set -eu
: "${PORT:?PORT must name the port to listen on}"
dir="${DRILL_SCRATCH:-$(mktemp -d)}"
nginx="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"
if [ ! -x "$nginx" ]; then
  echo "nginx-app.sh: nginx is not installed (Debian: apt-get install nginx)" >&2
  exit 127
fi
mkdir -p "$dir/temp"
# nginx's workers run as nobody when the master is root: they must reach the temp files.
chmod 755 "$dir"
chmod 777 "$dir/temp"
if [ -n "${UPSTREAM_PORT:-}" ]; then
  serve="proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\";"
  upstream="upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 16; }"
else
  serve="return 200 \"ok\\n\";"
  upstream=""
fi
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log stderr notice;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/temp/body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  keepalive_timeout 65s;
  $upstream
  server {
    listen 127.0.0.1:$PORT;
    add_header x-pod "${POD_NAME:-}" always;
    location = /healthz { return 200 "ok\n"; }
    location = /ready { return 200 "ok\n"; }
    location / { $serve }
  }
}
CONF
exec "$nginx" -p "$dir" -e stderr -c "$dir/nginx.conf" -g 'daemon off;'
