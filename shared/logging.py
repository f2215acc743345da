"""structlog setup: JSON lines when not on a TTY (production), pretty console otherwise."""

from __future__ import annotations

import json
import logging
import sys

import orjson
import structlog

# Keys whose values must never reach a log line.
_REDACTED_KEYS = frozenset(
    {"authorization", "signature", "secret", "api_key", "password", "token", "key"}
)


def _redact(
    _logger: object, _name: str, event_dict: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    for key in list(event_dict):
        if key.lower() in _REDACTED_KEYS:
            event_dict[key] = "[redacted]"
    return event_dict


def _orjson_text(obj: object, **_kw: object) -> str:
    """JSON lines via orjson (several times json.dumps' speed); what it cannot encode
    natively (a key that is no string, an exotic value) is written as its str()."""
    try:
        return orjson.dumps(obj, default=str).decode()
    except TypeError:
        return json.dumps(obj, default=str)


def configure_logging(level: str = "info", fmt: str = "auto", service: str = "bounceflow") -> None:
    """Configure structlog once per process; every line carries the service name."""
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(serializer=_orjson_text)
        if use_json
        else structlog.dev.ConsoleRenderer()
    )
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr)
