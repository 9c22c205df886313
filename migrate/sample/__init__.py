"""A builder of realistic sample Pydio 8 installs (tests, the demo command, benchmarks).

``build_install(root, dialect=..., db_url=..., spec=InstallSpec(...))`` lays out conf files,
the data folder, storage folders and a database created from the real pydio-core scripts,
filled through the real table shapes, and returns a :class:`BuiltInstall` with the ground
truth an extractor must return.
"""

from migrate.sample.install import build_install
from migrate.sample.spec import BuiltInstall, Expected, ExpectedFinding, InstallSpec

__all__ = ["BuiltInstall", "Expected", "ExpectedFinding", "InstallSpec", "build_install"]
