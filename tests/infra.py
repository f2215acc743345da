"""Where the test Postgres and RabbitMQ come from: testcontainers when a Docker
engine answers, otherwise the services named by BOUNCEFLOW_DATABASE_URL /
BOUNCEFLOW_AMQP_URL (defaulting to the local ones)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Servers:
    postgres_admin_url: str  # a URL to a database we may CREATE DATABASE from
    amqp_url: str


def docker_available() -> bool:
    if os.environ.get("BOUNCEFLOW_TEST_NO_DOCKER"):
        return False
    if not os.environ.get("DOCKER_HOST") and not os.path.exists("/var/run/docker.sock"):
        return False
    import warnings

    import docker  # type: ignore[import-untyped]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            client = docker.from_env(timeout=2)
        except Exception:
            return False
        try:
            return bool(client.ping())
        except Exception:
            return False
        finally:
            client.close()


def _admin_url(url: str) -> str:
    base, _, _ = url.rpartition("/")
    return base + "/postgres"


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    if not docker_available():
        pg_url = os.environ.get("BOUNCEFLOW_DATABASE_URL", LOCAL_PG)
        yield Servers(_admin_url(pg_url), os.environ.get("BOUNCEFLOW_AMQP_URL", LOCAL_AMQP))
        return
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer

    with (
        PostgresContainer("postgres:16-alpine", driver=None) as pg,
        RabbitMqContainer("rabbitmq:3.13-management-alpine") as mq,
    ):
        amqp = f"amqp://guest:guest@{mq.get_container_host_ip()}:{mq.get_exposed_port(5672)}/"
        yield Servers(_admin_url(pg.get_connection_url()), amqp)
