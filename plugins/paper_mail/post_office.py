"""The paper post office other plugins use (hook ``paper_post_office``): send a generated PDF by
paper with the paper mail's rules and prices.

Owner: helper « sending ». ``PostOffice(tenant)`` with ``quote(pdf, *, mode, recipient)`` and
``post(pdf, *, filename, mode, recipient, sender, account, profile, owner, subject, send_on)``.
"""


class PostOffice:
    def __init__(self, tenant):
        self.tenant = tenant
