"""The operators' inbox in the back office."""


def register_backoffice_pages() -> None:
    pass
