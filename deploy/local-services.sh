#!/usr/bin/env bash
# Make sure the local PostgreSQL (127.0.0.1:5432) and RabbitMQ (127.0.0.1:5672) answer:
# start them when they are installed but stopped; when absent, say in one line how to
# get them. Used by `make demo` and by CI (.ci/run).
set -euo pipefail

wait_for() { # name, check command, attempts
  local name=$1 check=$2 n=${3:-60}
  for _ in $(seq "$n"); do
    if eval "$check" >/dev/null 2>&1; then echo "local services: $name is up"; return 0; fi
    sleep 1
  done
  echo "local services: $name did not come up" >&2
  return 1
}

absent() { # name
  echo "bounceflow: $1 is not running here and not installed; start both with" \
    "'docker compose -f deploy/compose.yaml up -d postgres rabbitmq' (or install $1)" >&2
  exit 1
}

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "local services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  else
    absent PostgreSQL
  fi
fi
wait_for PostgreSQL pg_up

amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! amqp_up; then
  if command -v rabbitmq-server >/dev/null 2>&1; then
    echo "local services: starting RabbitMQ"
    rabbitmq-server -detached || true
  else
    absent RabbitMQ
  fi
fi
wait_for RabbitMQ amqp_up 90
if command -v rabbitmq-diagnostics >/dev/null 2>&1; then
  wait_for "RabbitMQ (booted)" "rabbitmq-diagnostics -q check_port_connectivity" 90
fi
