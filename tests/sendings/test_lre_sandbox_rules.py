"""The sandbox LRE operator's pure rules: scenarios by address, qualified or simple, the 15 days
counted from the day after the notification in Paris time, names compared as a person reads them."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.core.sendings.operators.lre_sandbox import rules


def test_a_scenario_is_a_tag_of_the_address():
    assert rules.scenario_of("camille+accepte@example.org") == "accepte"
    assert rules.scenario_of("Camille+Refuse@Example.org") == "refuse"
    assert rules.scenario_of("camille+demo+neglige@example.org") == "neglige"
    assert rules.scenario_of("camille+panne@example.org") == "panne"
    assert rules.scenario_of("camille+rejet@example.org") == "rejet"
    assert rules.scenario_of("camille+autre@example.org") == ""
    assert rules.scenario_of("accepte@example.org") == ""
    assert rules.scenario_of(None) == ""


def test_qualified_only_when_both_ends_are_identified():
    assert rules.is_qualified(True, True)
    assert not rules.is_qualified(True, False)
    assert not rules.is_qualified(False, True)
    assert not rules.is_qualified(True, True, wanted=False)


def test_the_15_days_start_the_day_after_the_notification_paris_time():
    # Notified on 1 December at 23:30 in Paris (22:30 UTC): day 1 is 2 December, the 15th is
    # 16 December; negligence from midnight, Paris, i.e. 16 December 23:00 UTC.
    notified = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    assert rules.claim_deadline(notified) == datetime(2026, 12, 16, 23, 0, tzinfo=UTC)
    # Just after midnight in Paris it is already 2 December: one day later.
    assert rules.claim_deadline(datetime(2026, 12, 1, 23, 5, tzinfo=UTC)) == datetime(
        2026, 12, 17, 23, 0, tzinfo=UTC
    )
    # Across the change to summer time (29 March 2026), midnight is 22:00 UTC.
    assert rules.claim_deadline(datetime(2026, 3, 20, 10, 0, tzinfo=UTC)) == datetime(
        2026, 4, 4, 22, 0, tzinfo=UTC
    )
    # A naive instant read back from SQLite is UTC.
    assert rules.claim_deadline(datetime(2026, 12, 1, 22, 30)) == rules.claim_deadline(notified)


def test_names_match_as_a_person_reads_them():
    assert rules.same_name("elodie  MARTIN", "Élodie Martin")
    assert rules.same_name("Jean-Pierre Durand", "jean pierre durand")
    assert not rules.same_name("Paul Martin", "Élodie Martin")
    assert not rules.same_name("  ", "")
