"""Sendings (issue 14): one lifecycle for every letter, by registered email or on paper."""
