"""Request handlers of sign-up, login and passwords."""

from flask import render_template


def login():
    return render_template("accounts/placeholder.html")
