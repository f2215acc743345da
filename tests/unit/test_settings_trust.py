"""Settings at the trust boundary (CONTRACT §2): empty is unset, short secrets stop the
service with one line naming the variable; non-finite signature timestamps are refused."""

from __future__ import annotations

import pytest

from services.ingest.providers.checks import stale
from shared.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("BOUNCEFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(str(tmp_path))  # no .env file


def test_empty_values_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "BOUNCEFLOW_MAILGUN_SIGNING_KEY",
        "BOUNCEFLOW_WEBHOOK_BASIC_AUTH",
        "BOUNCEFLOW_SENDGRID_PUBLIC_KEY",
        "BOUNCEFLOW_SNS_TOPIC_ARNS",
        "BOUNCEFLOW_RESEND_WEBHOOK_SECRET",
    ):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.mailgun_signing_key is None
    assert settings.webhook_basic_auth is None
    assert settings.sendgrid_public_key is None
    assert settings.topic_arns is None
    assert settings.resend_webhook_secret is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOUNCEFLOW_MAILGUN_SIGNING_KEY", "short-key"),
        ("BOUNCEFLOW_WEBHOOK_BASIC_AUTH", "user:short"),
        ("BOUNCEFLOW_MAILERSEND_SIGNING_SECRET", "x" * 15),
    ],
)
def test_a_short_secret_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert name in message
    assert "\n" not in message
    assert value not in message  # never echo a secret


def test_sixteen_characters_are_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOUNCEFLOW_MAILGUN_SIGNING_KEY", "k" * 16)
    monkeypatch.setenv("BOUNCEFLOW_WEBHOOK_BASIC_AUTH", "u:" + "p" * 16)
    settings = load_settings()
    assert settings.mailgun_signing_key is not None
    assert settings.basic_auth_pair == ("u", "p" * 16)


@pytest.mark.parametrize("timestamp", ["nan", "NaN", "inf", "-inf", "1e999"])
def test_non_finite_timestamps_are_refused(timestamp: str) -> None:
    verdict = stale("Mailgun", timestamp, now=1_800_000_000.0, tolerance=900)
    assert verdict is not None
    assert not verdict.ok


def test_a_fresh_timestamp_passes() -> None:
    assert stale("Mailgun", "1800000000", now=1_800_000_100.0, tolerance=900) is None


def test_blank_values_are_unset_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOUNCEFLOW_MAILGUN_SIGNING_KEY", "   ")
    monkeypatch.setenv("BOUNCEFLOW_POSTMARK_TOKEN", " ")
    settings = load_settings()
    assert settings.mailgun_signing_key is None
    assert settings.postmark_token is None
