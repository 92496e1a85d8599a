"""Request handlers of the account area."""

from flask import render_template
from flask_login import login_required


@login_required
def overview():
    return render_template("accounts/placeholder.html")


@login_required
def choose_profile():
    return render_template("accounts/placeholder.html")
