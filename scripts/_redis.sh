# Sourced: make sure a Redis answers on 127.0.0.1:6379, starting the machine's redis-server if not.
redis_up() {
  python3 - <<'PY'
import socket, sys
try:
    with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
        s.sendall(b"PING\r\n"); sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
}
ensure_redis() {
  if redis_up; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "==> installing redis-server" >&2
    (apt-get update -qq && apt-get install -y -qq redis-server) >&2 || { echo "could not install redis-server" >&2; return 1; }
  fi
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  echo "==> starting redis-server on 127.0.0.1:6379" >&2
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
  for _ in $(seq 1 50); do redis_up && return 0; sleep 0.1; done
  echo "redis-server did not answer on 127.0.0.1:6379" >&2
  return 1
}
