"""Choosing a signature provider from configuration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.signatures.providers import provider_from_config, register, registered
from portal.core.signatures.providers.base import ProviderConfigError
from portal.core.signatures.providers.yousign import (
    PRODUCTION_URL,
    SANDBOX_URL,
    YousignProvider,
)


def test_only_yousign_is_registered_until_the_builtin_engine_lands():
    assert registered() == ["yousign"]


def test_default_builtin_is_a_clear_configuration_error():
    with pytest.raises(ProviderConfigError, match="'builtin' is not available"):
        provider_from_config({})


def test_unknown_provider_is_a_clear_configuration_error():
    with pytest.raises(ProviderConfigError, match="'docusign'.*registered: yousign"):
        provider_from_config({"provider": "docusign"})


def test_yousign_from_config_sandbox_by_default():
    session = object()
    provider = provider_from_config(
        {"provider": "yousign", "api_key": "k", "webhook_secret": "s"}, session=session
    )
    assert isinstance(provider, YousignProvider)
    assert provider.base_url == SANDBOX_URL and provider.sandbox
    assert provider.session is session


def test_yousign_production_and_max_age():
    provider = provider_from_config(
        {
            "provider": "yousign",
            "api_key": "k",
            "webhook_secret": "s",
            "sandbox": False,
            "max_age_days": 2,
        }
    )
    assert provider.base_url == PRODUCTION_URL and not provider.sandbox
    assert provider.max_age == timedelta(days=2)


@pytest.mark.parametrize("missing", ["api_key", "webhook_secret"])
def test_yousign_needs_its_key_and_secret(missing):
    config = {"provider": "yousign", "api_key": "k", "webhook_secret": "s"}
    del config[missing]
    with pytest.raises(ProviderConfigError, match=missing):
        provider_from_config(config)


def test_an_adapter_registers_itself(monkeypatch):
    from portal.core.signatures import providers

    monkeypatch.setattr(providers, "_registry", dict(providers._registry))
    sentinel = object()
    register("builtin", lambda config, **overrides: sentinel)
    assert provider_from_config({}) is sentinel
