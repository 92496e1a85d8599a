"""Choosing a signature provider from configuration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.core.signatures.providers import provider_from_config, register, registered
from portal.core.signatures.providers.base import ProviderConfigError
from portal.core.signatures.providers.builtin import BuiltinProvider
from portal.core.signatures.providers.yousign import (
    PRODUCTION_URL,
    SANDBOX_URL,
    YousignProvider,
)


def test_builtin_and_yousign_are_registered():
    assert registered() == ["builtin", "yousign"]


def test_the_builtin_engine_is_the_default_and_takes_who_asks():
    provider = provider_from_config({})
    assert isinstance(provider, BuiltinProvider) and provider.name == "builtin"
    assert provider.account is None and provider.owner is None
    asking = provider_from_config(
        {"provider": "builtin"}, account="account", profile="profile", owner="resiliation"
    )
    assert (asking.account, asking.profile, asking.owner) == ("account", "profile", "resiliation")


def test_the_builtin_engine_has_no_webhooks():
    assert provider_from_config({}).parse_webhook({"X-Anything": "1"}, b"{}") == []


def test_creating_without_who_asks_is_a_configuration_error(signature_request):
    with pytest.raises(ProviderConfigError, match="account= and owner="):
        provider_from_config({}).create(signature_request)


def test_unknown_provider_is_a_clear_configuration_error():
    with pytest.raises(ProviderConfigError, match="'docusign'.*registered: builtin, yousign"):
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
    register("docusign", lambda config, **overrides: sentinel)
    assert provider_from_config({"provider": "docusign"}) is sentinel
