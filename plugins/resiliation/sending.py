"""Validating a letter and sending it (Resiliation II, being written): the checks, the charge,
the sending of the core, its day, holds, changes of date and cancellation."""

JOBS: list = []
PERIODIC_JOBS: list = []
