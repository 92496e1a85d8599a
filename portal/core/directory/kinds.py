"""Kinds of directory entries."""

from enum import StrEnum


class EntryKind(StrEnum):
    INSURER = "insurer"
    BANK = "bank"
