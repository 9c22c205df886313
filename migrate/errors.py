"""The one exception hierarchy of cells-migrate.

::

    MigrateError
    ├─ ConfigError            bad or missing key, unset ${VAR}, invalid mapping table
    ├─ LegacyError            legacy side unreadable
    │  └─ LegacyFormatError   PHP serial, unknown schema, corrupt file
    ├─ MappingError           a rule cannot apply (strict mode)
    ├─ CellsError
    │  ├─ DatasourceUnusable           a datasource not served or not indexed in time
    │  ├─ CellsTransportError          transient: timeout, dropped connection
    │  ├─ ReadOnlyViolation            a write attempted on a read-only (dry-run) client
    │  └─ CellsHTTPError (method, path, status, body excerpt)
    │     ├─ CellsAuthError 401/403 ─ CellsNotFound 404 ─ CellsConflict 409
    │     │  └─ CellsCredentialsRefused   the token or login itself is refused: fatal
    │     ├─ CellsRedirected 3xx (location): never followed
    │     ├─ DatasourceNotServed   a tree stat's "Could not find DataSource" (500)
    │     └─ CellsRateLimited 429 (retry_after) ─ CellsUnavailable 502/503/504   transient
    ├─ PlanError ─ StalePlanError
    └─ CheckpointError ─ RunLockedError

Every class carries an ``exit_code`` (what the command line exits with), a ``transient``
flag (the only thing the retry layer looks at) and a ``fatal`` flag (the whole run cannot go
on: an apply stops, leaving what is not done for ``resume``). Every error names the object
it concerns (``subject``, e.g. ``"user:alice"``) and never holds a secret: HTTP bodies are
cut to 300 characters and must be redacted by the caller that builds them.
"""

from __future__ import annotations

BODY_EXCERPT_CHARS = 300


class MigrateError(Exception):
    """Root of every error cells-migrate raises on purpose."""

    exit_code: int = 1
    transient: bool = False
    fatal: bool = False

    def __init__(self, message: str, *, subject: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.subject = subject

    def __str__(self) -> str:
        if self.subject and self.subject not in self.message:
            return f"{self.subject}: {self.message}"
        return self.message


class ConfigError(MigrateError):
    """The configuration or a mapping table is invalid; ``problems`` lists every issue found."""

    def __init__(
        self, message: str, *, subject: str | None = None, problems: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, subject=subject)
        self.problems = problems

    def __str__(self) -> str:
        base = super().__str__()
        if not self.problems:
            return base
        return base + "".join(f"\n  - {p}" for p in self.problems)


class LegacyError(MigrateError):
    """The legacy install cannot be read (missing file, unreachable database)."""


class LegacyFormatError(LegacyError):
    """A legacy value has a format we cannot decode (PHP serial, schema, .ser file)."""

    def __init__(
        self, message: str, *, subject: str | None = None, offset: int | None = None
    ) -> None:
        super().__init__(message, subject=subject)
        self.offset = offset


class MappingError(MigrateError):
    """A mapping rule cannot be applied to an object (raised in strict mode only)."""


class CellsError(MigrateError):
    """Talking to Cells failed."""


class DatasourceUnusable(CellsError):
    """A datasource Cells does not serve, does not have, or did not index in time: the
    objects that need its folders cannot be written (they fail with this reason)."""


class CellsTransportError(CellsError):
    """No answer from Cells: connect/read timeout or dropped connection. Safe to retry reads."""

    transient = True


class ReadOnlyViolation(CellsError):
    """A write was attempted through a client opened read-only (dry run). Always a bug."""


class CellsHTTPError(CellsError):
    """Cells answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int,
        body: str = "",
        subject: str | None = None,
    ) -> None:
        super().__init__(message, subject=subject)
        self.method = method
        self.path = path
        self.status = status
        self.body = excerpt(body)

    def __str__(self) -> str:
        # One line for the operator: the message is the body's readable title
        # (cells/errorbody.py); the raw body stays in ``body`` for the code, never shown.
        return f"{super().__str__()} ({self.method} {self.path} -> HTTP {self.status})"


class DatasourceNotServed(CellsHTTPError):
    """A tree stat answered that Cells does not serve the datasource (``Could not find
    DataSource``): not created, not indexed yet, or its objects service never started."""


class CellsAuthError(CellsHTTPError):
    """401/403 that a token refresh did not cure: check the token, its scope, the user's rights."""


class CellsCredentialsRefused(CellsAuthError):
    """Cells refused the tool's own credentials (a 401 after one refresh, a refused login or
    refresh): every further call would fail the same way, so a run stops (``fatal``)."""

    fatal = True


class CellsRedirected(CellsHTTPError):
    """Cells answered a redirect; it is never followed (it could carry a secret elsewhere)."""

    def __init__(self, message: str, *, location: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.location = location


class CellsNotFound(CellsHTTPError):
    """404: the object does not exist on Cells."""


class CellsConflict(CellsHTTPError):
    """409: the object exists already (or clashes with one that does)."""


class CellsRateLimited(CellsHTTPError):
    """429: Cells asks us to slow down; ``retry_after`` seconds if it said so."""

    transient = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class CellsUnavailable(CellsHTTPError):
    """502/503/504: Cells or its gateway is temporarily down."""

    transient = True


class PlanError(MigrateError):
    """A plan cannot be built, read or applied."""


class StalePlanError(PlanError):
    """A saved plan no longer matches the legacy data, the rules or the live Cells."""


class CheckpointError(MigrateError):
    """The checkpoint (state) database cannot be read or written."""


class RunLockedError(CheckpointError):
    """Another run holds the lock of this state database."""


def excerpt(text: str, limit: int = BODY_EXCERPT_CHARS) -> str:
    """Return ``text`` cut to ``limit`` characters with a marker when it was longer."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit] + "…"
