"""The account area ("Mon compte"): overview and readiness, profile choice, users of the
account, contact details, letterhead, history export and closure."""
