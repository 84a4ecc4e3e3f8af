"""The rule catalogue R101…R506 (SPEC §5). Importing this package registers every rule."""

from . import content, fields, files, safety, times  # noqa: F401  (registration)
from .base import RULES, Rule

__all__ = ["RULES", "Rule", "ordered"]


def ordered() -> list[Rule]:
    return [RULES[code] for code in sorted(RULES)]
