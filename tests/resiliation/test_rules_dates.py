"""The date rules of termination letters (issue 15 point 5): loi Hamon / RIA send and effective
dates over every day of 2027–2028 (leap February 2028), the FAQ's examples, and the agency's
20:00 Paris cut-off across the changes of time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from plugins.resiliation.rules import (
    NO_SEND_DATE_MESSAGES,
    NoSendDate,
    agency_send_day,
    earliest_effective_date,
    effective_date_for_send_date,
    platform_signature_deadline,
    send_date_for_effective_date,
)

PARIS = ZoneInfo("Europe/Paris")
D = date.fromisoformat


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# Every send day from long before 2027 to long after 2028, and the effective date each gives:
# the oracle the inverse is checked against (computed by the forward rule, day by day).
SENDS = list(days(D("2026-10-01"), D("2029-03-31")))
EFFECT = {send: effective_date_for_send_date(send) for send in SENDS}
REACHED: dict[date, list[date]] = {}
for _send, _effective in EFFECT.items():
    REACHED.setdefault(_effective, []).append(_send)

# The effective dates no send date reaches in 2027–2028: the day after a termination on a day
# the month before lacks (31 December ← 31 November, 29–31 March ← February in a common year…).
UNREACHABLE = {
    D("2027-01-01"): [D("2026-12-31"), D("2027-01-02")],
    D("2027-03-30"): [D("2027-03-29"), D("2027-04-02")],
    D("2027-03-31"): [D("2027-03-29"), D("2027-04-02")],
    D("2027-04-01"): [D("2027-03-29"), D("2027-04-02")],
    D("2027-06-01"): [D("2027-05-31"), D("2027-06-02")],
    D("2027-08-01"): [D("2027-07-31"), D("2027-08-02")],
    D("2027-11-01"): [D("2027-10-31"), D("2027-11-02")],
    D("2028-01-01"): [D("2027-12-31"), D("2028-01-02")],
    D("2028-03-31"): [D("2028-03-30"), D("2028-04-02")],
    D("2028-04-01"): [D("2028-03-30"), D("2028-04-02")],
    D("2028-06-01"): [D("2028-05-31"), D("2028-06-02")],
    D("2028-08-01"): [D("2028-07-31"), D("2028-08-02")],
    D("2028-11-01"): [D("2028-10-31"), D("2028-11-02")],
}


# -- the FAQ's example ---------------------------------------------------------------------------


def test_the_faq_example_29_and_30_november():
    # Send 29 Nov → notification 30 Nov → termination 30 Dec 24h → new contract 31 Dec 00h.
    assert effective_date_for_send_date(D("2027-11-29")) == D("2027-12-31")
    # Send 30 Nov → notification 1 Dec → termination 1 Jan → new contract 2 Jan.
    assert effective_date_for_send_date(D("2027-11-30")) == D("2028-01-02")
    assert send_date_for_effective_date(D("2027-12-31"), D("2027-11-01")) == D("2027-11-29")
    assert send_date_for_effective_date(D("2028-01-02"), D("2027-11-01")) == D("2027-11-30")


def test_no_send_date_gives_1_january_and_the_nearest_are_offered():
    with pytest.raises(NoSendDate) as caught:
        send_date_for_effective_date(D("2028-01-01"), D("2027-11-01"))
    assert caught.value.nearest == [D("2027-12-31"), D("2028-01-02")]
    assert not caught.value.too_early
    assert caught.value.kind == "unreachable"
    assert isinstance(caught.value, ValueError)


def test_1_january_when_31_december_is_already_out_of_reach():
    # On 30 November the earliest is 2 January: 1 January is too early, only 2 January is offered.
    with pytest.raises(NoSendDate) as caught:
        send_date_for_effective_date(D("2028-01-01"), D("2027-11-30"))
    assert caught.value.nearest == [D("2028-01-02")]
    assert caught.value.too_early and caught.value.kind == "too_early"


def test_one_month_runs_date_to_date_and_ends_on_a_shorter_months_last_day():
    # Notification 31 January → termination 28 February (29 in 2028) → new contract 1 March.
    assert effective_date_for_send_date(D("2027-01-30")) == D("2027-03-01")
    assert effective_date_for_send_date(D("2028-01-30")) == D("2028-03-01")
    # Notification 29 January 2028 → 29 February 2028 → 1 March; 2027 has no 29 February.
    assert effective_date_for_send_date(D("2028-01-28")) == D("2028-03-01")
    assert effective_date_for_send_date(D("2027-01-28")) == D("2027-03-01")
    # Notification 28 February → 28 March → 29 March; 29 February 2028 → 30 March 2028.
    assert effective_date_for_send_date(D("2027-02-27")) == D("2027-03-29")
    assert effective_date_for_send_date(D("2028-02-28")) == D("2028-03-30")
    # Notification 1 March → 1 April → 2 April: the days between are skipped.
    assert effective_date_for_send_date(D("2027-02-28")) == D("2027-04-02")
    # Notification 31 December → 31 January → 1 February (over the year's end).
    assert effective_date_for_send_date(D("2027-12-30")) == D("2028-02-01")


# -- both directions, every day of two years -----------------------------------------------------


def test_a_send_dates_effective_date_maps_back_to_that_send_date():
    # Sent on ``today``: the effective date it reaches gives back ``today``, every day.
    for send in days(D("2027-01-01"), D("2028-12-31")):
        effective = effective_date_for_send_date(send)
        assert send_date_for_effective_date(effective, send) == send, send
        assert earliest_effective_date(send) == effective


def test_every_effective_date_of_two_years_against_the_forward_rule():
    today = D("2026-11-01")
    earliest = earliest_effective_date(today)
    unreachable = []
    for effective in days(D("2027-01-01"), D("2028-12-31")):
        sends = [s for s in REACHED.get(effective, []) if s >= today]
        if sends:
            # Several send dates may give it (30 and 31 January): the earliest is chosen.
            assert send_date_for_effective_date(effective, today) == min(sends), effective
            continue
        unreachable.append(effective)
        reachable = sorted(e for e in REACHED if e >= earliest)
        before = max(e for e in reachable if e < effective)
        after = min(e for e in reachable if e > effective)
        with pytest.raises(NoSendDate) as caught:
            send_date_for_effective_date(effective, today)
        assert caught.value.nearest == [before, after], effective
        assert caught.value.nearest == UNREACHABLE[effective]
    assert unreachable == sorted(UNREACHABLE)


@pytest.mark.parametrize(
    "month_end",
    [
        date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
        for year in (2027, 2028)
        for month in range(1, 13)
    ],
    ids=str,
)
def test_around_every_month_end(month_end):
    # Every send day from four days before a month's end to two days after.
    for send in days(month_end - timedelta(days=3), month_end + timedelta(days=2)):
        effective = effective_date_for_send_date(send)
        termination = effective - timedelta(days=1)
        notification = send + timedelta(days=1)
        # One month after the notification, date to date, or that month's last day.
        target_month = notification.month % 12 + 1
        assert termination.month == target_month
        next_day = termination + timedelta(days=1)
        assert termination.day == notification.day or (
            termination.day < notification.day and next_day.month != termination.month
        )
        # Any earlier ``today`` gives the earliest send day reaching it; ``send`` itself gives it.
        first = min(REACHED[effective])
        assert send_date_for_effective_date(effective, send - timedelta(days=40)) == first
        assert send_date_for_effective_date(effective, send) == send


def test_a_day_reached_by_several_send_dates_gives_the_earliest_still_to_come():
    # 27, 28, 29 and 30 January 2027 all end on 28 February → 1 March.
    assert REACHED[D("2027-03-01")] == [D(f"2027-01-{d}") for d in (27, 28, 29, 30)]
    assert send_date_for_effective_date(D("2027-03-01"), D("2027-01-02")) == D("2027-01-27")
    assert send_date_for_effective_date(D("2027-03-01"), D("2027-01-29")) == D("2027-01-29")
    assert send_date_for_effective_date(D("2027-03-01"), D("2027-01-30")) == D("2027-01-30")
    with pytest.raises(NoSendDate) as caught:
        send_date_for_effective_date(D("2027-03-01"), D("2027-01-31"))
    assert caught.value.nearest == [D("2027-03-02")]
    # Leap year: 28, 29 and 30 January 2028 end on 29 February.
    assert REACHED[D("2028-03-01")] == [D(f"2028-01-{d}") for d in (28, 29, 30)]


def test_too_early_offers_the_earliest_reachable_date():
    for today in days(D("2027-01-01"), D("2028-12-31")):
        earliest = earliest_effective_date(today)
        assert send_date_for_effective_date(earliest, today) == today
        for effective in (earliest - timedelta(days=1), today, today - timedelta(days=5)):
            with pytest.raises(NoSendDate) as caught:
                send_date_for_effective_date(effective, today)
            assert caught.value.nearest == [earliest], (today, effective)
            assert caught.value.too_early


def test_the_nearest_are_never_before_the_earliest_and_always_reachable():
    for today in days(D("2027-01-01"), D("2028-12-31")):
        earliest = earliest_effective_date(today)
        for effective in UNREACHABLE:
            if effective < earliest:
                continue
            with pytest.raises(NoSendDate) as caught:
                send_date_for_effective_date(effective, today)
            nearest = caught.value.nearest
            assert nearest == sorted(nearest) and nearest
            for offered in nearest:
                assert offered >= earliest
                assert (
                    effective_date_for_send_date(send_date_for_effective_date(offered, today))
                    == offered
                )


def test_the_messages_of_no_send_date_exist_for_both_kinds():
    assert set(NO_SEND_DATE_MESSAGES) == {"too_early", "unreachable"}


# -- the agency's send day: 20:00 Paris, seven days a week ---------------------------------------

ZONES = [
    PARIS,
    UTC,
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Tokyo"),
    ZoneInfo("Pacific/Kiritimati"),  # UTC+14: already the next day
    ZoneInfo("Pacific/Pago_Pago"),  # UTC−11: still the day before
    timezone(timedelta(hours=5, minutes=30)),
]

# The changes of time: last Sunday of March (02:00 → 03:00) and of October (03:00 → 02:00), and
# the days around them; a holiday (1 January, 14 July, 25 December) and a plain Sunday.
DAYS = [
    D("2027-03-27"),
    D("2027-03-28"),
    D("2027-03-29"),
    D("2027-10-30"),
    D("2027-10-31"),
    D("2027-11-01"),
    D("2028-03-26"),
    D("2028-10-29"),
    D("2028-01-01"),
    D("2027-07-14"),
    D("2028-12-25"),
    D("2027-06-06"),
]


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_before_20_00_paris_the_same_day_else_the_next(day, zone):
    next_day = day + timedelta(days=1)
    for clock, expected in ((time(19, 59), day), (time(20, 0), next_day), (time(20, 1), next_day)):
        paris = datetime.combine(day, clock, tzinfo=PARIS)
        assert agency_send_day(paris.astimezone(zone)) == expected, (clock, zone)


def test_the_cut_off_in_utc_follows_the_change_of_time():
    # Summer (CEST, UTC+2): 20:00 Paris is 18:00 UTC; winter (CET, UTC+1): 19:00 UTC.
    assert agency_send_day(datetime(2027, 3, 28, 17, 59, tzinfo=UTC)) == D("2027-03-28")
    assert agency_send_day(datetime(2027, 3, 28, 18, 0, tzinfo=UTC)) == D("2027-03-29")
    assert agency_send_day(datetime(2027, 3, 27, 18, 30, tzinfo=UTC)) == D("2027-03-27")
    assert agency_send_day(datetime(2027, 3, 27, 19, 0, tzinfo=UTC)) == D("2027-03-28")
    assert agency_send_day(datetime(2027, 10, 30, 18, 0, tzinfo=UTC)) == D("2027-10-31")
    assert agency_send_day(datetime(2027, 10, 31, 18, 59, tzinfo=UTC)) == D("2027-10-31")
    assert agency_send_day(datetime(2027, 10, 31, 19, 0, tzinfo=UTC)) == D("2027-11-01")


def test_the_repeated_and_the_skipped_night_hours_are_the_same_day():
    # 02:30 Paris happens twice on 31 October 2027 (00:30 and 01:30 UTC); 28 March has none.
    assert agency_send_day(datetime(2027, 10, 31, 0, 30, tzinfo=UTC)) == D("2027-10-31")
    assert agency_send_day(datetime(2027, 10, 31, 1, 30, tzinfo=UTC)) == D("2027-10-31")
    assert agency_send_day(datetime(2027, 3, 28, 1, 30, tzinfo=UTC)) == D("2027-03-28")
    # Midnight Paris is still the evening before in UTC: the Paris day counts.
    assert agency_send_day(datetime(2027, 12, 31, 23, 30, tzinfo=UTC)) == D("2028-01-01")
    assert agency_send_day(datetime(2027, 6, 30, 22, 0, tzinfo=UTC)) == D("2027-07-01")


def test_another_cut_off_and_a_naive_datetime():
    at_1830 = datetime(2027, 5, 3, 18, 30, tzinfo=PARIS)
    assert agency_send_day(at_1830) == D("2027-05-03")
    assert agency_send_day(at_1830, time(18, 0)) == D("2027-05-04")
    with pytest.raises(ValueError):
        agency_send_day(datetime(2027, 5, 3, 12, 0))


@pytest.mark.parametrize(
    "day, utc_hour",
    [
        (D("2027-03-27"), 19),
        (D("2027-03-28"), 18),
        (D("2027-07-14"), 18),
        (D("2027-10-30"), 18),
        (D("2027-10-31"), 19),
        (D("2028-02-29"), 19),
    ],
    ids=str,
)
def test_the_platforms_signature_deadline_is_20_00_paris_in_utc(day, utc_hour):
    deadline = platform_signature_deadline(day)
    assert deadline == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert deadline.utcoffset() == timedelta(0)
    # The same instant as the agency's cut-off: a minute before leaves that day, not at it.
    assert agency_send_day(deadline - timedelta(minutes=1)) == day
    assert agency_send_day(deadline) == day + timedelta(days=1)
    assert platform_signature_deadline(day, time(18, 0)) == deadline - timedelta(hours=2)
