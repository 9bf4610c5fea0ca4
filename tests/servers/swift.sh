#!/usr/bin/env bash
# A throwaway OpenStack Swift with its S3 API (s3api), on loopback, for the
# S3 remote tests. It checks SigV4 strictly (a wrong secret is
# SignatureDoesNotMatch, a wrong x-amz-content-sha256 is BadDigest).
#
#   swift.sh start DIR [PORT]   # S3 at http://127.0.0.1:PORT, path-style,
#                               # region us-east-1, key "pipe:tester", secret "testing"
#   swift.sh bucket DIR PORT NAME   # creates a bucket (through Swift's own API)
#   swift.sh stop DIR
#
# Needs Debian's swift-proxy, swift-object, swift-container, swift-account
# and memcached. Adapted from the team's recipe (shared/recipes/swift_up.sh
# and swift_down.sh); this copy is the project's own.
set -euo pipefail
cmd=${1:?start|bucket|stop}
if [ "$cmd" = stop ]; then
  W=${2:?root}
  for n in proxy account container object memcached; do f=$W/run/$n.pid; [ -f $f ] || continue; p=$(cat $f)
    kill -TERM $p 2>/dev/null && for i in $(seq 50); do kill -0 $p 2>/dev/null || break; sleep 0.1; done
    kill -0 $p 2>/dev/null && kill -KILL $p; rm -f $f; done
  exit 0
fi
if [ "$cmd" = bucket ]; then
  PORT=${3:?port}; NAME=${4:?bucket}
  # Right after start the auth and account servers may not answer yet: retry.
  for _ in $(seq 100); do
    hdrs=$(curl -s -D - -o /dev/null -H "X-Auth-User: pipe:tester" -H "X-Auth-Key: testing" "http://127.0.0.1:$PORT/auth/v1.0" || true)
    token=$(printf '%s' "$hdrs" | tr -d '\r' | sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: //p')
    url=$(printf '%s' "$hdrs" | tr -d '\r' | sed -n 's/^[Xx]-[Ss]torage-[Uu]rl: //p')
    if [ -n "$token" ] && curl -sf -X PUT -H "X-Auth-Token: $token" "$url/$NAME" -o /dev/null &&
       curl -sf -H "X-Auth-Token: $token" "$url/$NAME" -o /dev/null; then
      exit 0
    fi
    sleep 0.2
  done
  echo "could not create bucket $NAME" >&2
  exit 1
fi
shift
W=${1:?root}; PORT=${2:-8091}; B=$((PORT+100))   # backend ports B, B+1, B+2; memcached on B+3
mkdir -p $W/{etc,node/d1,run,log}
for s in object:$B container:$((B+1)) account:$((B+2)); do n=${s%%:*}; p=${s##*:}
  ( cd $W/etc && swift-ring-builder $n.builder create 10 1 1 && swift-ring-builder $n.builder add r1z1-127.0.0.1:$p/d1 100 && swift-ring-builder $n.builder rebalance ) >/dev/null
  cat > $W/$n-server.conf <<CONF
[DEFAULT]
devices = $W/node
mount_check = false
bind_ip = 127.0.0.1
bind_port = $p
workers = 0
user = root
swift_dir = $W/etc
log_address = /nonexistent
log_level = WARNING
[pipeline:main]
pipeline = $n-server
[app:$n-server]
use = egg:swift#$n
CONF
done
cat > $W/proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $PORT
workers = 0
user = root
swift_dir = $W/etc
log_address = /nonexistent
log_level = WARNING
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$((B+3))
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_pipe_tester = testing .admin
CONF
memcached -u root -l 127.0.0.1 -p $((B+3)) -U 0 >$W/log/memcached.out 2>&1 & echo $! > $W/run/memcached.pid
for n in object container account proxy; do /usr/bin/swift-$n-server $W/$n-server.conf >$W/log/$n.out 2>&1 & echo $! > $W/run/$n.pid; done
for i in $(seq 300); do curl -s http://127.0.0.1:$PORT/healthcheck 2>/dev/null | grep -q OK && exit 0; sleep 0.1; done
echo "swift did not come up" >&2; exit 1
