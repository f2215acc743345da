"""Hypothesis strategies for the batch 2 providers (issue 10), as tests/fuzz_bodies.py:
mostly a real fixture body damaged in a few places, sometimes plain junk. Mailtrap's
JSON Lines bodies are damaged line by line (and lines dropped, duplicated or cut)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from hypothesis import strategies as st

from tests.fuzz_bodies import JSON_TYPE, junk, mutated_json
from tests.provider_fixtures import fixture_json, fixture_names

JSONL_TYPE = "application/jsonl"
PROVIDERS = ("resend", "postal", "mailersend", "unisender_go", "mailtrap")


@cache
def _docs(provider: str) -> tuple[tuple[Any, str], ...]:
    """(body, content type) of every fixture: a JSON value, or the text of a JSONL body."""
    docs = (fixture_json(provider, n) for n in fixture_names(provider))
    return tuple((d["body"], d["content_type"]) for d in docs)


@st.composite
def json_bodies(draw: st.DrawFn, provider: str) -> tuple[bytes, str]:
    body, content_type = draw(st.sampled_from(_docs(provider)))
    if isinstance(body, str):  # JSON Lines
        return draw(jsonl_bodies(body)), content_type
    return json.dumps(draw(mutated_json(body))).encode(), content_type


@st.composite
def jsonl_bodies(draw: st.DrawFn, text: str) -> bytes:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    out: list[bytes] = []
    for doc in lines:
        op = draw(st.sampled_from(["keep", "mutate", "drop", "dup", "cut", "junk"]))
        line = json.dumps(doc).encode()
        if op == "mutate":
            line = json.dumps(draw(mutated_json(doc))).encode()
        elif op == "drop":
            continue
        elif op == "dup":
            out.append(line)
        elif op == "cut":
            line = line[: draw(st.integers(0, len(line)))]
        elif op == "junk":
            line = draw(st.binary(max_size=30))
        out.append(line)
    sep = draw(st.sampled_from([b"\n", b"\r\n"]))
    return sep.join(out) + draw(st.sampled_from([b"", sep]))


BODIES: dict[str, st.SearchStrategy[tuple[bytes, str]]] = {
    p: json_bodies(p) | junk((JSON_TYPE, JSONL_TYPE)) for p in PROVIDERS
}
