"""The list of mails (SPEC §5): columns, states, filters, pages.

Owner: helper « lists ».
"""
