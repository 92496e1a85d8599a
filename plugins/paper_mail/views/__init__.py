"""Request handlers of the paper_mail plugin, one module per page group, each with
``register(blueprint)``."""
