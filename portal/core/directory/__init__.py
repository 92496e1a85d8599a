"""The directory of insurers and banks (per tenant, kept by operators, searched by agents).

Plugins (``resiliation``, ``emprunteur``) find a recipient with :func:`search.search` and load one
with :func:`search.active_entry`; the entry's fields are copied onto their letter when chosen.
"""
