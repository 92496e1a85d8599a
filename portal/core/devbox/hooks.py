"""Hook implementations of the development mailbox (always on, shown only when it is).

The mailbox is no service of the tenant: it has no entry in the main menu; the development
banner of every page (``_dev_banner.html``) links to it while it is on."""
