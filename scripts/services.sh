#!/usr/bin/env bash
# Provision and run the services newsworker needs, without Docker if need be.
#   scripts/services.sh up|down|status|redis-up|redis-down|es-up|es-down|prepare|es-prepare|describe
#
# Redis: reuse NEWSWORKER_REDIS_URL if it answers; else Debian's redis-server (installed on first use),
#        on 127.0.0.1 with AOF persistence under $NEWSWORKER_DATA/redis.
# Elasticsearch 8.19: reuse NEWSWORKER_ES_URL if it answers; else a Docker engine if one runs; else the
#        official distribution from Maven Central, cached under $NEWSWORKER_CACHE, run as an unprivileged
#        user (Elasticsearch refuses root), single node, security off, heap 512m.
#        Its data and logs live in $NEWSWORKER_DATA/elasticsearch, unless that folder is out of the
#        unprivileged user's reach (a checkout in /root or in a `mktemp -d`, both 0700): then they live in
#        $NEWSWORKER_ES_STATE/<hash of the data dir>/elasticsearch (default /var/lib/newsworker) and
#        $NEWSWORKER_DATA/elasticsearch is a symlink to it. `up` prints which.
#
# `prepare` provisions without starting (installs redis-server, downloads Elasticsearch, creates the user and
# the directories); `describe` prints the resolved paths, ports and arguments as KEY=value lines (it changes
# nothing). `newsworker install-service` builds its systemd units from those two, so the units run the same
# binaries, as the same user, on the same data dirs and ports as this script.
#
# A second, private instance (chaos tests) on other ports and data dirs, leaving the shared one alone:
#   NEWSWORKER_DATA=/tmp/x NEWSWORKER_ES_URL=http://127.0.0.1:9250 NEWSWORKER_ES_TRANSPORT_PORT=9350 \
#   NEWSWORKER_NO_DOCKER=1 scripts/services.sh es-up     (and es-down with the same variables)
# es-down only ever stops the node whose pid file is under $NEWSWORKER_DATA (and the Docker container
# unless NEWSWORKER_NO_DOCKER is set).
set -euo pipefail

ES_VERSION="${NEWSWORKER_ES_VERSION:-8.19.21}"   # the one place the version lives
here="$(cd "$(dirname "$0")/.." && pwd)"
# NEWSWORKER_DATA_DIR is the application's name for the same folder (worker/settings.py: data_dir)
DATA="${NEWSWORKER_DATA:-${NEWSWORKER_DATA_DIR:-$here/.data}}"
# As root, the cache goes where the unprivileged Elasticsearch user can read it (/root is private).
if [ "$(id -u)" = 0 ]; then default_cache=/var/cache/newsworker; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/newsworker"; fi
CACHE="${NEWSWORKER_CACHE:-$default_cache}"
REDIS_URL="${NEWSWORKER_REDIS_URL:-redis://127.0.0.1:6379/0}"
ES_URL="${NEWSWORKER_ES_URL:-http://127.0.0.1:9200}"
ES_USER="${NEWSWORKER_ES_USER:-newsworker-es}"
ES_HOME="$CACHE/elasticsearch-$ES_VERSION"
ES_STATE="${NEWSWORKER_ES_STATE:-/var/lib/newsworker}"   # root only: where data goes if $DATA is private
REDIS_DIR="$DATA/redis"
ES_TRANSPORT_PORT="${NEWSWORKER_ES_TRANSPORT_PORT:-}"   # empty: Elasticsearch's default (9300 or next free)
ES_HEAP="${NEWSWORKER_ES_HEAP:-512m}"

log() { printf '[services] %s\n' "$*" >&2; }

# Can a user that is neither the owner nor in the group (the Elasticsearch system user) reach $1, i.e. is
# every existing ancestor searchable by "others"? A static answer (no user, no side effect), so `describe`,
# `up` and `down` agree. ACLs are not consulted: a folder they open is merely treated as private.
others_can_reach() {
  local p; p=$(readlink -m "$1")
  while [ "$p" != / ]; do
    if [ -e "$p" ]; then
      case "$(stat -c %A "$p")" in *x|*t) ;; *) return 1 ;; esac
    fi
    p=$(dirname "$p")
  done
}

# Where Elasticsearch keeps its data and logs. Non-root runs it as the caller: the data dir always works.
# As root it runs as $ES_USER, who cannot enter a 0700 checkout. Rather than opening the user's folders
# (chmod, or an ACL on /root: a lasting change to folders we do not own, and setfacl is often absent), the
# node's files move to a root-owned 0755 tree keyed by the data dir's path, and $DATA/elasticsearch links
# there so every other command (pid file, logs, `down`) finds them at the usual place.
es_data_dir() {
  local link="$DATA/elasticsearch"
  if [ -L "$link" ]; then readlink -m "$link"; return; fi      # relocated by an earlier `up`
  if [ "$(id -u)" != 0 ] || others_can_reach "$DATA"; then echo "$link"; return; fi
  echo "$ES_STATE/$(readlink -m "$DATA" | sha256sum | cut -c1-12)/elasticsearch"
}
ES_DATA="$(es_data_dir)"
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

# The server's arguments, shared with the systemd unit (`describe`): same address, data dir and persistence.
redis_args() {
  read -r h p < <(redis_host_port)
  printf '%s\n' --bind "$h" --port "$p" --dir "$REDIS_DIR" --appendonly yes --appendfsync everysec \
    --save "60 1000" --protected-mode yes
}

redis_prepare() {
  command -v redis-server >/dev/null || { log "installing Debian's redis-server"; apt_install redis-server; }
  mkdir -p "$REDIS_DIR"
}

redis_up() {
  if redis_ok; then log "Redis answers at $REDIS_URL (reused)"; return; fi
  redis_prepare
  local args; mapfile -t args < <(redis_args)
  redis-server "${args[@]}" --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
  for _ in $(seq 50); do redis_ok && { log "Redis up at $REDIS_URL (AOF in $REDIS_DIR)"; return; }; sleep 0.2; done
  log "Redis did not start; see $REDIS_DIR/redis.log"; exit 1
}

redis_down() {
  if [ -f "$REDIS_DIR/redis.pid" ]; then
    local pid; pid=$(cat "$REDIS_DIR/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$REDIS_DIR/redis.pid"; log "Redis stopped"
  else
    # a Redis this checkout reused (it answered at `up`) is someone else's: say so rather than nothing
    log "Redis at $REDIS_URL was not started by this checkout (no $REDIS_DIR/redis.pid): left running"
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

es_http_port() { local port="${ES_URL##*:}"; echo "${port%%/*}"; }

# The node's settings, shared with the systemd unit (`describe`): one line per -E value.
es_settings() {
  printf '%s\n' discovery.type=single-node xpack.security.enabled=false network.host=127.0.0.1 \
    "http.port=$(es_http_port)" "path.data=$ES_DATA/data" "path.logs=$ES_DATA/logs" cluster.name=newsworker \
    cluster.routing.allocation.disk.threshold_enabled=false action.destructive_requires_name=false
  if [ -n "$ES_TRANSPORT_PORT" ]; then echo "transport.port=$ES_TRANSPORT_PORT"; fi
}

# Everything but starting: the distribution, the user, the data and log dirs it owns.
es_prepare() {
  es_fetch
  local user; user=$(es_user)
  if [ "$ES_DATA" != "$DATA/elasticsearch" ]; then es_relocate; fi
  mkdir -p "$ES_DATA/data" "$ES_DATA/logs"
  # The unpacked distribution writes to config/ at start (keystore, jvm options): give it to the user.
  if [ "$(id -u)" = 0 ]; then chown -R "$user" "$ES_HOME" "$ES_DATA"; fi
}

# $DATA is out of the Elasticsearch user's reach: data and logs go to $ES_DATA (see es_data_dir), and
# $DATA/elasticsearch becomes a symlink to it. A real folder left there by a start that failed on the
# permissions holds nothing of value (no node ever wrote to it) unless it has data: that is moved along.
es_relocate() {
  local link="$DATA/elasticsearch"
  mkdir -p "$DATA" "$ES_DATA"
  chmod 755 "$ES_STATE" "$(dirname "$ES_DATA")"
  readlink -m "$DATA" > "$(dirname "$ES_DATA")/data-dir"   # whose node this is, for whoever looks later
  if [ -d "$link" ] && [ ! -L "$link" ]; then
    if [ -n "$(ls -A "$link/data" 2>/dev/null)" ] && [ -z "$(ls -A "$ES_DATA/data" 2>/dev/null)" ]; then
      mkdir -p "$ES_DATA/data" && mv "$link/data/"* "$ES_DATA/data/"
    fi
    rm -rf "$link"
  fi
  ln -sfn "$ES_DATA" "$link"
}

es_where() {
  if [ "$ES_DATA" = "$DATA/elasticsearch" ]; then
    log "Elasticsearch data and logs: $ES_DATA"
  else
    log "Elasticsearch data and logs: $ES_DATA ($DATA is private to $(id -un): $ES_USER cannot enter it;"
    log "  $DATA/elasticsearch links there; remove both to forget this node)"
  fi
}

es_up() {
  if es_ok; then log "Elasticsearch answers at $ES_URL (reused)"; return; fi
  if docker_engine && [ -z "${NEWSWORKER_NO_DOCKER:-}" ]; then
    log "starting Elasticsearch $ES_VERSION in Docker"
    docker rm -f newsworker-es >/dev/null 2>&1 || true
    docker run -d --name newsworker-es -p 127.0.0.1:9200:9200 -e discovery.type=single-node \
      -e xpack.security.enabled=false -e ES_JAVA_OPTS="-Xms512m -Xmx512m" \
      -v newsworker-es:/usr/share/elasticsearch/data "docker.elastic.co/elasticsearch/elasticsearch:$ES_VERSION" >/dev/null
  else
    es_prepare
    local user jh setting; user=$(es_user); jh=$(find_java_home)
    local cmd=(env ES_JAVA_HOME="$jh" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" "$ES_HOME/bin/elasticsearch" -d
      -p "$ES_DATA/es.pid")
    while read -r setting; do cmd+=(-E "$setting"); done < <(es_settings)
    log "starting Elasticsearch $ES_VERSION as $user (java: $jh)"
    es_where
    # -d still echoes the node's log until it has started: keep the console readable, keep the text.
    local out="$ES_DATA/logs/startup.out" rc=0
    if [ "$(id -u)" = 0 ]; then
      su -s /bin/bash "$user" -c "cd '$ES_HOME' && $(printf '%q ' "${cmd[@]}")" >"$out" 2>&1 || rc=$?
    else
      (cd "$ES_HOME" && "${cmd[@]}") >"$out" 2>&1 || rc=$?
    fi
    if [ "$rc" != 0 ]; then
      log "Elasticsearch exited with code $rc at start; the end of $out:"; tail -20 "$out" >&2; exit 1
    fi
  fi
  for _ in $(seq 120); do
    es_ok && { log "Elasticsearch healthy at $ES_URL"; return; }; sleep 1
  done
  log "Elasticsearch did not become healthy; see $ES_DATA/logs/newsworker.log"; tail -20 "$ES_DATA/logs/newsworker.log" >&2 || true
  exit 1
}

# KEY=value lines (shell-quoted) for `newsworker install-service`; changes nothing on the machine.
describe() {
  local user jh=""
  if [ "$(id -u)" = 0 ]; then user="$ES_USER"; else user=$(id -un); fi
  jh=$(find_java_home 2>/dev/null) || jh=""
  local -a es_settings_list redis_args_list
  mapfile -t es_settings_list < <(es_settings)
  mapfile -t redis_args_list < <(redis_args)
  local kv=(DATA="$DATA" ES_VERSION="$ES_VERSION" ES_HOME="$ES_HOME" ES_DATA="$ES_DATA" ES_USER="$user"
    ES_JAVA_HOME="$jh" ES_HEAP="$ES_HEAP" ES_URL="$ES_URL" ES_HTTP_PORT="$(es_http_port)"
    REDIS_URL="$REDIS_URL" REDIS_DIR="$REDIS_DIR"
    REDIS_SERVER="$(command -v redis-server || echo /usr/bin/redis-server)")
  printf '%q\n' "${kv[@]}"
  # lists keep each item's own quoting ("60 1000" is one argument): split the value once more
  local es_words redis_words
  es_words=$(printf '%q ' "${es_settings_list[@]}"); redis_words=$(printf '%q ' "${redis_args_list[@]}")
  printf 'ES_SETTINGS=%q\n' "${es_words% }"
  printf 'REDIS_ARGS=%q\n' "${redis_words% }"
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
  elif ! { [ -z "${NEWSWORKER_NO_DOCKER:-}" ] && docker_engine; }; then
    log "Elasticsearch at $ES_URL was not started by this checkout (no $ES_DATA/es.pid): left running"
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
  prepare) redis_prepare; es_prepare; es_where ;;
  es-prepare) es_prepare; es_where ;;
  describe) describe ;;
  down) es_down; redis_down ;;
  status) status ;;
  redis-up) redis_up ;;
  redis-down) redis_down ;;
  es-up) es_up ;;
  es-down) es_down ;;
  *) echo "usage: $0 up|down|status|redis-up|redis-down|es-up|es-down|prepare|es-prepare|describe" >&2; exit 2 ;;
esac
