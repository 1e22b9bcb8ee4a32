#!/usr/bin/env bash
# Provision and run the services newsworker needs, without Docker if need be.
#   scripts/services.sh up|down|status|restart-redis|stop-es|start-es
#
# Redis: reuse NEWSWORKER_REDIS_URL if it answers; else Debian's redis-server (installed on first use),
#        on 127.0.0.1 with AOF persistence under $NEWSWORKER_DATA/redis.
# Elasticsearch 8.19: reuse NEWSWORKER_ES_URL if it answers; else a Docker engine if one runs; else the
#        official distribution from Maven Central, cached under $NEWSWORKER_CACHE, run as an unprivileged
#        user (Elasticsearch refuses root), single node, security off, heap 512m.
#
# A second, private instance (chaos tests) on other ports and data dirs, leaving the shared one alone:
#   NEWSWORKER_DATA=/tmp/x NEWSWORKER_ES_URL=http://127.0.0.1:9250 NEWSWORKER_ES_TRANSPORT_PORT=9350 \
#   NEWSWORKER_NO_DOCKER=1 scripts/services.sh es-up     (and es-down with the same variables)
# es-down only ever stops the node whose pid file is under $NEWSWORKER_DATA (and the Docker container
# unless NEWSWORKER_NO_DOCKER is set).
set -euo pipefail

ES_VERSION="${NEWSWORKER_ES_VERSION:-8.19.21}"   # the one place the version lives
here="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${NEWSWORKER_DATA:-$here/.data}"
# As root, the cache goes where the unprivileged Elasticsearch user can read it (/root is private).
if [ "$(id -u)" = 0 ]; then default_cache=/var/cache/newsworker; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/newsworker"; fi
CACHE="${NEWSWORKER_CACHE:-$default_cache}"
REDIS_URL="${NEWSWORKER_REDIS_URL:-redis://127.0.0.1:6379/0}"
ES_URL="${NEWSWORKER_ES_URL:-http://127.0.0.1:9200}"
ES_USER="${NEWSWORKER_ES_USER:-newsworker-es}"
ES_HOME="$CACHE/elasticsearch-$ES_VERSION"
ES_DATA="$DATA/elasticsearch"
REDIS_DIR="$DATA/redis"
ES_TRANSPORT_PORT="${NEWSWORKER_ES_TRANSPORT_PORT:-}"   # empty: Elasticsearch's default (9300 or next free)
ES_HEAP="${NEWSWORKER_ES_HEAP:-512m}"

log() { printf '[services] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

redis_host_port() {  # redis://host:port/db -> "host port"
  local hp="${REDIS_URL#*://}"; hp="${hp#*@}"; hp="${hp%%/*}"
  echo "${hp%%:*} ${hp##*:}"
}

redis_ok() {
  read -r h p < <(redis_host_port)
  python3 - "$h" "$p" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)
s.sendall(b"PING\r\n"); ok = s.recv(16).startswith(b"+PONG"); sys.exit(0 if ok else 1)
PY
}

es_ok() { curl -fsS -m 3 "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=2s" >/dev/null 2>&1; }

apt_install() {
  local stamp="$CACHE/.apt-updated"
  mkdir -p "$CACHE"
  if [ ! -f "$stamp" ]; then as_root apt-get update -qq && touch "$stamp"; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

redis_up() {
  if redis_ok; then log "Redis answers at $REDIS_URL (reused)"; return; fi
  command -v redis-server >/dev/null || { log "installing Debian's redis-server"; apt_install redis-server; }
  read -r h p < <(redis_host_port)
  mkdir -p "$REDIS_DIR"
  redis-server --bind "$h" --port "$p" --dir "$REDIS_DIR" --appendonly yes --appendfsync everysec \
    --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --save 60 1000 \
    --protected-mode yes
  for _ in $(seq 50); do redis_ok && { log "Redis up on $h:$p (AOF in $REDIS_DIR)"; return; }; sleep 0.2; done
  log "Redis did not start; see $REDIS_DIR/redis.log"; exit 1
}

redis_down() {
  if [ -f "$REDIS_DIR/redis.pid" ]; then
    local pid; pid=$(cat "$REDIS_DIR/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$REDIS_DIR/redis.pid"; log "Redis stopped"
  fi
}

find_java_home() {
  # An installed JDK 17+ found on this machine, not one machine's layout hard-coded.
  if [ -n "${ES_JAVA_HOME:-}" ] && [ -x "$ES_JAVA_HOME/bin/java" ]; then echo "$ES_JAVA_HOME"; return; fi
  local cand
  for cand in ${JAVA_HOME:-} /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -x "$cand/bin/java" ] || continue
    local v; v=$("$cand/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
    if [ -n "$v" ] && [ "$v" -ge 17 ]; then echo "$cand"; return; fi
  done
  if command -v java >/dev/null; then
    cand=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")"); echo "$cand"; return
  fi
  log "no JDK 17+ found; install one (apt-get install openjdk-17-jre-headless)"; exit 1
}

es_fetch() {
  [ -x "$ES_HOME/bin/elasticsearch" ] && return
  mkdir -p "$CACHE"
  local zip="$CACHE/elasticsearch-$ES_VERSION.zip"
  if [ ! -s "$zip" ]; then
    log "downloading Elasticsearch $ES_VERSION from Maven Central"
    command -v mvn >/dev/null || apt_install maven
    mvn -q dependency:copy \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
      -DoutputDirectory="$CACHE"
  fi
  command -v unzip >/dev/null || apt_install unzip
  rm -rf "$ES_HOME.tmp" && mkdir -p "$ES_HOME.tmp"
  unzip -q "$zip" -d "$ES_HOME.tmp"
  mv "$ES_HOME.tmp/elasticsearch-$ES_VERSION" "$ES_HOME" && rm -rf "$ES_HOME.tmp"
}

es_user() {
  [ "$(id -u)" = 0 ] || { id -un; return; }
  id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  echo "$ES_USER"
}

docker_engine() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

es_up() {
  if es_ok; then log "Elasticsearch answers at $ES_URL (reused)"; return; fi
  if docker_engine && [ -z "${NEWSWORKER_NO_DOCKER:-}" ]; then
    log "starting Elasticsearch $ES_VERSION in Docker"
    docker rm -f newsworker-es >/dev/null 2>&1 || true
    docker run -d --name newsworker-es -p 127.0.0.1:9200:9200 -e discovery.type=single-node \
      -e xpack.security.enabled=false -e ES_JAVA_OPTS="-Xms512m -Xmx512m" \
      -v newsworker-es:/usr/share/elasticsearch/data "docker.elastic.co/elasticsearch/elasticsearch:$ES_VERSION" >/dev/null
  else
    es_fetch
    local user jh; user=$(es_user); jh=$(find_java_home)
    mkdir -p "$ES_DATA/data" "$ES_DATA/logs"
    # The unpacked distribution writes to config/ at start (keystore, jvm options): give it to the user.
    if [ "$(id -u)" = 0 ]; then chown -R "$user" "$ES_HOME" "$ES_DATA"; fi
    local port="${ES_URL##*:}"; port="${port%%/*}"
    local cmd=(env ES_JAVA_HOME="$jh" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" "$ES_HOME/bin/elasticsearch" -d
      -p "$ES_DATA/es.pid" -E discovery.type=single-node -E xpack.security.enabled=false
      -E network.host=127.0.0.1 -E http.port="$port" -E path.data="$ES_DATA/data" -E path.logs="$ES_DATA/logs"
      -E cluster.name=newsworker -E cluster.routing.allocation.disk.threshold_enabled=false
      -E action.destructive_requires_name=false)
    if [ -n "$ES_TRANSPORT_PORT" ]; then cmd+=(-E transport.port="$ES_TRANSPORT_PORT"); fi
    log "starting Elasticsearch $ES_VERSION as $user (java: $jh)"
    if [ "$(id -u)" = 0 ]; then
      su -s /bin/bash "$user" -c "cd '$ES_HOME' && $(printf '%q ' "${cmd[@]}")"
    else
      (cd "$ES_HOME" && "${cmd[@]}")
    fi
  fi
  for _ in $(seq 120); do
    es_ok && { log "Elasticsearch healthy at $ES_URL"; return; }; sleep 1
  done
  log "Elasticsearch did not become healthy; see $ES_DATA/logs/newsworker.log"; tail -20 "$ES_DATA/logs/newsworker.log" >&2 || true
  exit 1
}

es_down() {
  if [ -z "${NEWSWORKER_NO_DOCKER:-}" ] && docker_engine && docker ps -q -f name=newsworker-es | grep -q .; then
    docker stop newsworker-es >/dev/null
  fi
  if [ -f "$ES_DATA/es.pid" ]; then
    local pid; pid=$(cat "$ES_DATA/es.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$ES_DATA/es.pid"; log "Elasticsearch stopped"
  fi
}

status() {
  local rc=0
  if redis_ok; then echo "redis: up ($REDIS_URL)"; else echo "redis: DOWN ($REDIS_URL)"; rc=1; fi
  if es_ok; then
    echo "elasticsearch: up ($ES_URL) $(curl -fsS -m 3 "$ES_URL/_cluster/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
  else echo "elasticsearch: DOWN ($ES_URL)"; rc=1; fi
  return $rc
}

case "${1:-status}" in
  up) redis_up; es_up ;;
  down) es_down; redis_down ;;
  status) status ;;
  redis-up) redis_up ;;
  redis-down) redis_down ;;
  es-up) es_up ;;
  es-down) es_down ;;
  *) echo "usage: $0 up|down|status|redis-up|redis-down|es-up|es-down" >&2; exit 2 ;;
esac
