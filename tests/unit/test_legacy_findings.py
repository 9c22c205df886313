"""The findings table in legacy/findings.py names exactly the codes the module emits."""

from __future__ import annotations

import inspect
import re

from migrate.legacy import findings


def test_documented_codes_are_the_emitted_codes() -> None:
    source = inspect.getsource(findings)
    doc = findings.__doc__ or ""
    body = source.split('"""', 2)[2]
    emitted = set(re.findall(r'^\s+"([a-z0-9-]+)",\n\s+(?:f?")', body, re.MULTILINE))
    documented = set(re.findall(r"^([a-z0-9-]+)\s+(?:blocker|warning|info)\s", doc, re.MULTILINE))
    assert len(emitted) == 23
    assert documented == emitted
