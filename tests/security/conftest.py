"""The security tests seed objects of every module: the resiliation kit is importable also when
this folder runs alone."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "resiliation"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "paper_mail"))
