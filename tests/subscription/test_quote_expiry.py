"""A quote is valid 30 days (« valable jusqu'au »): still « Validé » on day 30, « Expiré » by the
daily job on day 31, with its agenda event; the job runs for every tenant and twice safely."""

from __future__ import annotations

from sqlalchemy import select
from subkit import issue, run_periodic, stored

from plugins.subscription import agenda, quote_mail, rules
from plugins.subscription.models import AgendaEvent, Quote
from portal.core.tenants import tenant_scope
from portal.extensions import db


def events(app, tenant_id, quote_id, kind):
    with app.app_context(), tenant_scope(tenant_id):
        rows = db.session.scalars(
            select(AgendaEvent).where(AgendaEvent.quote_id == quote_id, AgendaEvent.kind == kind)
        ).all()
        found = [(row.effective_on, row.domain, row.description) for row in rows]
        db.session.remove()
        return found


def test_a_quote_expires_on_day_31_not_day_30(app, agent, at):
    at(2026, 12, 7)
    quote_id = issue(app, agent)
    incomplete = issue(app, agent, client={"email": None})
    expires_on = stored(app, agent.tenant_id, Quote, quote_id)["expires_on"]
    assert (expires_on.year, expires_on.month, expires_on.day) == (2027, 1, 6)

    at(2027, 1, 6, 23, 50)  # day 30, late in the evening
    run_periodic(app, quote_mail.expire_quotes)
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == rules.QuoteState.VALIDATED
    assert events(app, agent.tenant_id, quote_id, agenda.QUOTE_EXPIRED) == []

    at(2027, 1, 7, 0, 5)  # day 31
    run_periodic(app, quote_mail.expire_quotes)
    run_periodic(app, quote_mail.expire_quotes)  # twice: nothing more
    assert stored(app, agent.tenant_id, Quote, quote_id)["state"] == rules.QuoteState.EXPIRED
    assert stored(app, agent.tenant_id, Quote, incomplete)["state"] == rules.QuoteState.EXPIRED
    [(effective_on, domain, _description)] = events(
        app, agent.tenant_id, quote_id, agenda.QUOTE_EXPIRED
    )
    assert effective_on == expires_on and "HMO-" in domain


def test_a_subscribed_or_declined_quote_never_expires(app, agent, at):
    at(2026, 12, 7)
    kept = issue(app, agent)
    replaced = issue(app, agent)
    issue(app, agent, previous_id=replaced)  # version 2 declines version 1
    with app.app_context(), tenant_scope(agent.tenant_id):
        from plugins.subscription import quotes

        quote = db.session.get(Quote, kept)
        quotes.move(quote, rules.QuoteState.ACCEPTED)
        quotes.move(quote, rules.QuoteState.SUBSCRIBED)
        db.session.commit()
    at(2027, 2, 1)
    run_periodic(app, quote_mail.expire_quotes)
    assert stored(app, agent.tenant_id, Quote, kept)["state"] == rules.QuoteState.SUBSCRIBED
    assert stored(app, agent.tenant_id, Quote, replaced)["state"] == rules.QuoteState.DECLINED


def test_the_expiry_job_is_a_daily_periodic_job():
    [periodic] = quote_mail.PERIODIC_JOBS
    assert periodic.job is quote_mail.expire_quotes and periodic.cron == "5 0 * * *"
