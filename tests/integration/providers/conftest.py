"""Fixtures of the provider route tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture
def quiet() -> Iterator[None]:
    """Only warnings logged while fuzzing: rendering 5,000 info lines per route is most
    of the per-request cost otherwise. The previous configuration is restored."""
    previous = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    yield
    structlog.configure(**previous)
