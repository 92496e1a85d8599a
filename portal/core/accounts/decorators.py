"""Access rules for views: logged in, a profile chosen, the account holder."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import login_required

from portal.core.accounts.session import current_profile


def profile_required(view):
    """Logged in with a profile chosen (else sent to the profile choice, then back)."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if current_profile() is None:
            return redirect(url_for("account.choose_profile", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


def holder_required(view):
    """Only the account holder's profile: profiles, billing, closure."""

    @wraps(view)
    @profile_required
    def wrapper(*args, **kwargs):
        if not current_profile().is_holder:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


REAUTH_SECONDS = 10 * 60


def reauth_required(view):
    """Sensitive changes (email, other details, closure): the password was typed again in the
    last ten minutes (``auth.reauth`` records it), else ask for it and come back."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        import time

        from flask import session

        if time.time() - session.get("reauth_at", 0) > REAUTH_SECONDS:
            return redirect(url_for("auth.reauth", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper
