"""The subscriber's mandate of a termination letter: the pre-filled mandate, a hand-signed scan,
an e-signature through the core's signature procedures, or none after the warning; and the
letter's sender (agency or platform), whose rules depend on it."""
