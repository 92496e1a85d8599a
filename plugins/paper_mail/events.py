"""What the printer reports, through the mail's sending: « Transmis le », « Posté le », the
post's states, returns (AR, NPAI) and the tracking number.

Owner: helper « sending ». ``sending_state_changed(tenant, sending, state)``.
"""


def sending_state_changed(tenant, sending, state) -> None:  # replaced by the helper
    return None
