"""The address rule (shared.address): one normal form for parsers, importers and the API."""

from __future__ import annotations

import pytest

from shared import address


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A@Example.COM", "a@example.com"),
        ("  a@b.c\n", "a@b.c"),
        ("'serobnic@mail.ru", "'serobnic@mail.ru"),
        ("x\u0085@d", "x\u0085@d"),
        ("no-at", None),
        ("a@b@c", None),
        ("@b", None),
        ("a@", None),
        ("sp ace@b.c", None),
        ("tab\t@b.c", None),
        ("a" * 320 + "@b", None),
    ],
)
def test_importer_cases(value: str, expected: str | None) -> None:
    assert address.normalise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Jane <Jane@Example.com>", "jane@example.com"),
        ('"Doe, Jane" <jane@example.com> ', "jane@example.com"),
        ("<a@b.c>", "a@b.c"),
        ("Jane <a@b.c", None),
        ("<a@b.c", "<a@b.c"),  # no closing bracket: no display name either
        ("Jane <sp ace@b.c>", None),
        ("a@b\x00.c", None),
        ("jane@bücher.example", "jane@xn--bcher-kva.example"),
        ("JANE@BÜCHER.example", "jane@xn--bcher-kva.example"),
        ("jane@xn--bcher-kva.example", "jane@xn--bcher-kva.example"),
        ("fuß@straße.de", "fuß@xn--strae-oqa.de"),  # IDNA 2008 keeps ß (2003 made it ss)
        ("u\u0308ber@b.c", "\u00fcber@b.c"),  # NFC: u + combining diaeresis is ü
        ("A@\u2603-.Example", "a@\u2603-.example"),  # a label IDNA refuses: kept as written
        ("a" * 315 + "@b.com", None),
        ("a" * 314 + "@b.com", "a" * 314 + "@b.com"),
    ],
)
def test_normalise(value: str, expected: str | None) -> None:
    assert address.normalise(value) == expected


def test_normal_form_is_a_fixed_point() -> None:
    for value in ("Jane <Jane@Bücher.example>", "x\u0085@d", "u\u0308ber@b.c"):
        once = address.normalise(value)
        assert once is not None
        assert address.normalise(once) == once
        assert address.fold(value) == once


def test_fold_keeps_what_is_no_address() -> None:
    assert address.fold("  No-At ") == "no-at"
