#!/usr/bin/env bash
# Starts any of the local services the tests talk to that is down (CI's machine starts them before a
# session; one may have stopped since). Each command is the one the machine itself uses. A service
# that still does not answer is left for its tests to report: under CI=true they fail, not skip.
set -uo pipefail

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure() {
  local name=$1 port=$2; shift 2
  if listening "$port"; then return 0; fi
  if ! command -v "$1" >/dev/null 2>&1; then echo "ensure-services: $name is down and $1 is not installed" >&2; return 0; fi
  echo "ensure-services: starting $name (port $port)" >&2
  "$@" >/dev/null 2>&1 || echo "ensure-services: could not start $name" >&2
  for _ in $(seq 1 30); do listening "$port" && return 0; sleep 1; done
  echo "ensure-services: $name still not listening on $port" >&2
}

ensure PostgreSQL 5432 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql 2>/dev/null | head -1)" main start
ensure Redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
ensure RabbitMQ 5672 rabbitmq-server -detached
ensure Mosquitto 1883 mosquitto -d -c /etc/mosquitto/mosquitto.conf
ensure NATS 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
exit 0
