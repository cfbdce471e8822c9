"""The rules of a scenario that relate fields to each other, checked on the typed spec.

One module per section (:mod:`.auth`, :mod:`.assets`, :mod:`.history`, :mod:`.faults`,
:mod:`.expectations`), :mod:`.scenario` running them all. Each rule reports a problem at the
path of the field to fix. These run only once the scenario has passed the type check.
"""

from __future__ import annotations

from assetfake.scenario.rules.scenario import RuleCheck, check_rules

__all__ = ["RuleCheck", "check_rules"]
