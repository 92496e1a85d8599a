"""The paper mail's rules (issue 17 §2, §5): the day a mail is handed to the post — before 10:30
Paris time on a business day, else the next business day — across weekends, every French public
holiday, both daylight-saving changes and any time zone; scheduled mail; sheets, envelopes and
postage bands."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from plugins.paper_mail.rules import (
    Envelope,
    EnvelopeProblem,
    Mode,
    earliest_schedule_date,
    envelope_plan,
    handover_date,
    schedule_due_at,
    scheduled_handover_date,
    sheets_of,
    weight_band,
)
from portal.core.calendar import is_business_day

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def paris(*parts) -> datetime:
    return datetime(*parts, tzinfo=PARIS)


# --- Hand-over day --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validated", "expected"),
    [
        (paris(2026, 12, 2, 9, 0), date(2026, 12, 2)),  # Wednesday morning: that day
        (paris(2026, 12, 2, 0, 0), date(2026, 12, 2)),  # just after midnight
        (paris(2026, 12, 2, 10, 29, 59, 999999), date(2026, 12, 2)),
        (paris(2026, 12, 2, 10, 30), date(2026, 12, 3)),  # exactly 10:30 is not before
        (paris(2026, 12, 2, 23, 59), date(2026, 12, 3)),
        (paris(2026, 12, 4, 9, 0), date(2026, 12, 4)),  # Friday morning
        (paris(2026, 12, 4, 14, 30), date(2026, 12, 7)),  # Friday afternoon: Monday (FAQ)
        (paris(2026, 12, 5, 8, 0), date(2026, 12, 7)),  # Saturday morning: Monday
        (paris(2026, 12, 6, 9, 0), date(2026, 12, 7)),  # Sunday: Monday
    ],
)
def test_before_the_cutoff_on_a_business_day_else_the_next_one(validated, expected):
    assert handover_date(validated) == expected


@pytest.mark.parametrize(
    ("validated", "expected", "holiday"),
    [
        (paris(2025, 12, 31, 14, 0), date(2026, 1, 2), "1 Jan (Thursday)"),
        (paris(2026, 1, 1, 9, 0), date(2026, 1, 2), "1 Jan, in the morning"),
        # Friday 14:30 before Easter Monday: Tuesday (FAQ « Courrier papier »).
        (paris(2027, 3, 26, 14, 30), date(2027, 3, 30), "Easter Monday 2027"),
        (paris(2027, 3, 29, 9, 0), date(2027, 3, 30), "Easter Monday, in the morning"),
        (paris(2026, 4, 30, 11, 0), date(2026, 5, 4), "1 May (Friday)"),
        (paris(2026, 5, 7, 11, 0), date(2026, 5, 11), "8 May (Friday)"),
        (paris(2026, 5, 13, 11, 0), date(2026, 5, 15), "Ascension 2026 (Thursday)"),
        (paris(2026, 5, 14, 9, 0), date(2026, 5, 15), "Ascension, in the morning"),
        (paris(2026, 5, 22, 14, 30), date(2026, 5, 26), "Whit Monday 2026"),
        (paris(2026, 7, 13, 11, 0), date(2026, 7, 15), "14 Jul (Tuesday)"),
        (paris(2028, 8, 14, 11, 0), date(2028, 8, 16), "15 Aug 2028 (Tuesday)"),
        (paris(2027, 10, 29, 14, 30), date(2027, 11, 2), "1 Nov 2027 (Monday)"),
        (paris(2026, 11, 10, 11, 0), date(2026, 11, 12), "11 Nov (Wednesday)"),
        (paris(2026, 12, 24, 11, 0), date(2026, 12, 28), "25 Dec (Friday)"),
        (paris(2026, 12, 25, 9, 0), date(2026, 12, 28), "25 Dec, in the morning"),
    ],
)
def test_french_public_holidays_are_skipped(validated, expected, holiday):
    assert handover_date(validated) == expected, holiday


def test_spring_forward_the_cutoff_stays_10_30_paris():
    # 29 March 2026: Paris goes from UTC+1 to UTC+2. The same UTC time is 10:29 in Paris the
    # Monday before, 11:29 the Monday after.
    assert handover_date(datetime(2026, 3, 23, 9, 29, tzinfo=UTC)) == date(2026, 3, 23)
    assert handover_date(datetime(2026, 3, 30, 9, 29, tzinfo=UTC)) == date(2026, 3, 31)
    assert handover_date(datetime(2026, 3, 30, 8, 29, tzinfo=UTC)) == date(2026, 3, 30)
    assert handover_date(paris(2026, 3, 30, 10, 29)) == date(2026, 3, 30)
    assert handover_date(paris(2026, 3, 30, 10, 30)) == date(2026, 3, 31)
    # The Sunday of the change, in the skipped hour: Monday.
    assert handover_date(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == date(2026, 3, 30)


def test_fall_back_the_cutoff_stays_10_30_paris():
    # 25 October 2026: Paris goes from UTC+2 back to UTC+1.
    assert handover_date(datetime(2026, 10, 19, 9, 29, tzinfo=UTC)) == date(2026, 10, 20)
    assert handover_date(datetime(2026, 10, 19, 8, 29, tzinfo=UTC)) == date(2026, 10, 19)
    assert handover_date(datetime(2026, 10, 26, 9, 29, tzinfo=UTC)) == date(2026, 10, 26)
    assert handover_date(datetime(2026, 10, 26, 9, 30, tzinfo=UTC)) == date(2026, 10, 27)
    assert handover_date(paris(2026, 10, 26, 10, 29)) == date(2026, 10, 26)
    # The repeated hour of the Sunday night: Monday.
    repeated = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS)
    assert handover_date(repeated) == date(2026, 10, 26)


def test_any_time_zone_is_read_in_paris():
    # Monday 30 March 2026, 10:29 in Paris (UTC+2), said from New York (UTC−4) and Tokyo (UTC+9).
    assert handover_date(datetime(2026, 3, 30, 4, 29, tzinfo=NEW_YORK)) == date(2026, 3, 30)
    assert handover_date(datetime(2026, 3, 30, 4, 30, tzinfo=NEW_YORK)) == date(2026, 3, 31)
    assert handover_date(datetime(2026, 3, 30, 17, 29, tzinfo=TOKYO)) == date(2026, 3, 30)
    assert handover_date(datetime(2026, 3, 30, 17, 30, tzinfo=TOKYO)) == date(2026, 3, 31)
    # Friday evening in New York is already Saturday in Paris: Monday.
    assert handover_date(datetime(2026, 3, 27, 20, 0, tzinfo=NEW_YORK)) == date(2026, 3, 30)
    # Tuesday just after midnight in Tokyo is still Monday afternoon in Paris: Tuesday.
    assert handover_date(datetime(2026, 3, 31, 0, 30, tzinfo=TOKYO)) == date(2026, 3, 31)
    # Monday morning in Tokyo is Sunday evening in Paris: Monday.
    assert handover_date(datetime(2026, 3, 30, 6, 0, tzinfo=TOKYO)) == date(2026, 3, 30)


def test_a_tenant_cutoff_and_a_naive_datetime():
    assert handover_date(paris(2026, 12, 2, 11, 0), cutoff=time(12, 0)) == date(2026, 12, 2)
    assert handover_date(paris(2026, 12, 2, 9, 0), cutoff=time(9, 0)) == date(2026, 12, 3)
    with pytest.raises(ValueError, match="timezone-aware"):
        handover_date(datetime(2026, 12, 2, 9, 0))


def test_every_day_of_2027_and_2028_follows_the_rule():
    day = date(2027, 1, 1)
    while day < date(2029, 1, 1):
        for moment in (time(0, 0), time(10, 29), time(10, 30), time(23, 59)):
            result = handover_date(datetime.combine(day, moment, tzinfo=PARIS))
            assert is_business_day(result) and result >= day, (day, moment)
            if is_business_day(day) and moment < time(10, 30):
                assert result == day, (day, moment)
            else:
                assert result > day, (day, moment)
                between = day + timedelta(days=1)
                while between < result:  # the first business day after, none skipped
                    assert not is_business_day(between), (day, moment, between)
                    between += timedelta(days=1)
        day += timedelta(days=1)


# --- Scheduled mail -------------------------------------------------------------------------


def test_a_scheduled_mail_leaves_on_its_day_or_the_next_business_day():
    assert scheduled_handover_date(date(2026, 12, 2)) == date(2026, 12, 2)
    assert scheduled_handover_date(date(2026, 12, 5)) == date(2026, 12, 7)  # Saturday
    assert scheduled_handover_date(date(2026, 12, 25)) == date(2026, 12, 28)  # Christmas
    assert scheduled_handover_date(date(2027, 5, 6)) == date(2027, 5, 7)  # Ascension 2027


def test_a_mail_is_scheduled_from_the_next_day():
    assert earliest_schedule_date(date(2026, 12, 4)) == date(2026, 12, 5)
    assert earliest_schedule_date(date(2026, 12, 31)) == date(2027, 1, 1)


def test_a_scheduled_mail_is_transmitted_at_7_paris_on_its_handover_day():
    summer = schedule_due_at(date(2026, 7, 14))  # a holiday: the 15th
    assert summer == datetime(2026, 7, 15, 7, 0, tzinfo=PARIS)
    assert summer.utcoffset() == timedelta(hours=2)
    assert summer.astimezone(UTC) == datetime(2026, 7, 15, 5, 0, tzinfo=UTC)
    winter = schedule_due_at(date(2026, 12, 5))  # a Saturday: Monday
    assert winter.astimezone(UTC) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    # Due before the cut-off: posted the day it is due.
    assert handover_date(summer) == date(2026, 7, 15)
    assert handover_date(winter) == date(2026, 12, 7)


# --- Sheets, envelopes, weights -------------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "duplex", "sheets"),
    [(1, True, 1), (2, True, 1), (3, True, 2), (1, False, 1), (3, False, 3), (95, True, 48)],
)
def test_sheets_of_a_file(pages, duplex, sheets):
    assert sheets_of(pages, duplex) == sheets


@pytest.mark.parametrize(
    ("sheets", "mode", "kind", "count", "per_envelope"),
    [
        (1, Mode.LETTRE_VERTE, Envelope.SMALL, 1, (1,)),
        (5, Mode.RECOMMANDE_AR, Envelope.SMALL, 1, (5,)),
        (6, Mode.LETTRE_VERTE, Envelope.LARGE, 1, (6,)),
        (45, Mode.RECOMMANDE, Envelope.LARGE, 1, (45,)),
        (46, Mode.ECOPLI, Envelope.LARGE, 2, (45, 1)),
        (95, Mode.LETTRE_VERTE, Envelope.LARGE, 3, (45, 45, 5)),
    ],
)
def test_envelope_plan(sheets, mode, kind, count, per_envelope):
    plan = envelope_plan(sheets, mode)
    assert (plan.kind, plan.count, plan.sheets_per_envelope) == (kind, count, per_envelope)
    assert sum(plan.sheets_per_envelope) == sheets


def test_envelope_weights():
    assert envelope_plan(1, Mode.LETTRE_VERTE).weights == (10,)  # 5 g sheet + 5 g DL envelope
    assert envelope_plan(5, Mode.LETTRE_VERTE).weights == (30,)
    assert envelope_plan(46, Mode.ECOPLI).weights == (250, 30)  # C4 envelopes of 25 g


@pytest.mark.parametrize(
    ("sheets", "mode", "says"),
    [
        (0, Mode.LETTRE_VERTE, "au moins un document"),
        (96, Mode.LETTRE_VERTE, "95 feuilles"),
        (46, Mode.LETTRE_SUIVIE, "recto verso"),
        (46, Mode.RECOMMANDE, "une seule enveloppe"),
        (60, Mode.RECOMMANDE_AR, "plusieurs courriers"),
    ],
)
def test_what_does_not_fit_says_what_to_change(sheets, mode, says):
    with pytest.raises(EnvelopeProblem) as refused:
        envelope_plan(sheets, mode)
    assert says in str(refused.value.message)


@pytest.mark.parametrize(
    ("grams", "band"),
    [(1, 20), (20, 20), (21, 100), (100, 100), (101, 250), (250, 250), (501, 1000), (2000, 2000)],
)
def test_weight_bands(grams, band):
    assert weight_band(grams) == band


def test_beyond_two_kilos_there_is_no_band():
    with pytest.raises(EnvelopeProblem):
        weight_band(2001)
