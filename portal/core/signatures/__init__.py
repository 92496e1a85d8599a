"""E-signature core (issue 13). For now only the provider seam lives here: ``providers``
(the interface an outside signature service implements, and the Yousign v3 adapter).
The built-in engine (procedures, signer pages, PAdES sealing) is built on top of it."""
