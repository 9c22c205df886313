"""Hypothesis profiles: ``fast`` by default, ``thorough`` under ``CI=true``.

``thorough`` runs every property test with the number of examples it was written for (the
coverage CI relies on); ``fast`` runs a fifth of them, for the edit-test loop on a laptop.
``HYPOTHESIS_PROFILE=thorough`` (or ``fast``) picks one explicitly.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_CI = os.environ.get("CI", "").lower() == "true"
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("thorough" if _CI else "fast")
_QUIET = [HealthCheck.too_slow]

settings.register_profile("thorough", deadline=None, suppress_health_check=_QUIET)
settings.register_profile("fast", max_examples=25, deadline=None, suppress_health_check=_QUIET)


def load_profile() -> str:
    """Load the profile of this run (conftest does, once); returns its name."""
    settings.load_profile(PROFILE)
    return PROFILE


def examples(thorough: int) -> int:
    """``max_examples`` of a property test written for ``thorough`` examples."""
    return thorough if PROFILE == "thorough" else max(20, thorough // 5)
