"""The address-carrier page (page porte-adresse, manual §8.3): one A4 page with the typed
recipient in the envelope's window, put in front of the documents when the address is typed.

Owner: helper « checks ». API: ``carrier_page(mail) -> bytes`` (a one-page PDF, from a
template of this plugin, the address block in ``rules.ADDRESS_BLOCK``).
"""
