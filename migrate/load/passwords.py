"""What ``passwords.strategy`` does to the users an apply creates (DESIGN.md "Passwords").

Cells' REST API refuses to store a pre-hashed password (403 on ``pydio:password_hashed``;
a hash sent as ``Password`` is hashed again — recordings ``legacy-password-hash*``), but its
login check verifies Pydio 8 PBKDF2 and MD5 hashes found in ``idm_user_idx_tree.etag``
(cells-v3-behaviour.md §10). So ``keep-hash`` creates the user over REST, then writes the
legacy hash into that row. This module checks the table before any write
(``check_password_table``, the preflight), writes the hashes (``PasswordWriter``), and
runs the strategy per created user (``PasswordHook``, built per run by ``hook_for_run``):
keep-hash, ``random`` (0600 CSV, ``password_files.py``) or ``reset`` (listed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterable

import sqlalchemy as sa

from migrate.config import Config, PasswordsConfig, PasswordStrategy
from migrate.drivers import missing_driver
from migrate.errors import CellsError, ConfigError, MigrateError
from migrate.kinds.share import creates_link_password
from migrate.kinds.user import creates_user
from migrate.kinds.vocabulary import Action
from migrate.load.checkpoint_schema import PasswordState
from migrate.load.password_files import FileMode, RandomPasswordFile, generate_password
from migrate.mapping.desired import DesiredLink, DesiredUser, LinkPassword, PasswordAction
from migrate.secret import Secret, hide_password

log = logging.getLogger(__name__)

USER_TABLE = "idm_user_idx_tree"
REQUIRED_COLUMNS = ("uuid", "etag")


def check_password_table(url: Secret) -> list[str]:
    """Return the problems that forbid ``keep-hash`` on the Cells database at ``url``.

    An empty list means the table and its ``uuid``/``etag`` columns are there. Never raises
    for database errors: they are problems, with the password hidden from the URL.
    """
    shown = hide_password(url.reveal())
    try:
        engine = sa.create_engine(url.reveal())
    except (sa.exc.ArgumentError, ImportError) as exc:
        driver = missing_driver(url.reveal(), exc)
        if driver:
            return [f"passwords.cells_database_url ({shown}): {driver}"]
        return [f"passwords.cells_database_url is not a usable SQLAlchemy URL ({shown}): {exc}"]
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(USER_TABLE):
                return [
                    f"the Cells database {shown} has no table {USER_TABLE}: is this the "
                    "database of Cells v2-v4 (passwords.cells_database_url)?"
                ]
            columns = {c["name"].lower() for c in inspector.get_columns(USER_TABLE)}
    except sa.exc.SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return [f"cannot read the Cells database {shown} ({reason}): check the URL and rights"]
    finally:
        engine.dispose()
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [
            f"{USER_TABLE} in {shown} lacks column(s) {', '.join(missing)}: this Cells version "
            "stores passwords differently; use passwords.strategy reset or random"
        ]
    return []


class PasswordWriter:
    """Writes legacy hashes into ``idm_user_idx_tree.etag`` of Cells' database (keep-hash).

    One pooled SQLAlchemy engine (sized to ``pool_size``, the apply concurrency), safe to
    call from the executor's worker threads. Database errors are translated here into
    ``CellsError`` naming the user, with the DSN password hidden; the hash is never logged,
    never part of a message, and hidden from SQLAlchemy's own error texts
    (``hide_parameters``).
    """

    def __init__(self, url: Secret, *, pool_size: int = 4) -> None:
        """Prepare the engine for ``url`` (no connection yet); ``ConfigError`` if unusable."""
        self.shown_url = hide_password(url.reveal())
        try:
            self._engine = sa.create_engine(
                url.reveal(),
                hide_parameters=True,
                pool_pre_ping=True,
                **_pool_args(url.reveal(), pool_size),
            )
        except (sa.exc.ArgumentError, ImportError) as exc:
            why = missing_driver(url.reveal(), exc) or "not a usable SQLAlchemy URL"
            raise ConfigError(f"passwords.cells_database_url ({self.shown_url}): {why}") from exc
        self._table = sa.table(USER_TABLE, sa.column("uuid"), sa.column("etag"))

    def __repr__(self) -> str:
        return f"PasswordWriter({self.shown_url!r})"

    def write(self, user_uuid: str, legacy_hash: Secret, *, subject: str) -> None:
        """Set the ``etag`` of the row whose ``uuid`` is ``user_uuid`` to ``legacy_hash``.

        Exactly one row must match, else nothing is changed and ``CellsError`` names
        ``subject`` (``user:<login>``). Writing the same hash twice is harmless (resume).
        """
        statement = (
            sa.update(self._table)
            .where(self._table.c.uuid == user_uuid)
            .values(etag=legacy_hash.reveal())
        )
        try:
            with self._engine.begin() as conn:
                matched = conn.execute(statement).rowcount
                if matched != 1:
                    # Leaving the block by an exception rolls the update back.
                    raise _RowCountError(matched)
        except _RowCountError as exc:
            raise CellsError(
                f"{USER_TABLE} in {self.shown_url} has {exc.matched} row(s) with uuid "
                f"{user_uuid}, expected 1: the legacy password was not kept; is "
                "passwords.cells_database_url the database of this Cells (`cells-migrate check`)?",
                subject=subject,
            ) from None
        except sa.exc.SQLAlchemyError as exc:
            reason = type(getattr(exc, "orig", None) or exc).__name__
            raise CellsError(
                f"cannot write the legacy password hash into {USER_TABLE} of "
                f"{self.shown_url} ({reason}); check passwords.cells_database_url and its "
                "rights, then run `cells-migrate resume`",
                subject=subject,
            ) from exc
        log.debug("legacy password hash written for %s", subject)

    def close(self) -> None:
        """Close the pooled connections (idempotent)."""
        self._engine.dispose()

    def __enter__(self) -> PasswordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _RowCountError(Exception):
    """Internal: the UPDATE matched ``matched`` rows instead of one (never leaves here)."""

    def __init__(self, matched: int) -> None:
        super().__init__(matched)
        self.matched = matched


def _pool_args(url: str, pool_size: int) -> dict[str, object]:
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False}}
    return {"pool_size": max(1, pool_size), "max_overflow": 0}


class PasswordHook:
    """What ``passwords.strategy`` does for each user this run creates (DESIGN.md "Passwords").

    Plugged into the applier twice: ``new_password`` is the password a ``reset``/``random``
    REST create sends (a strong one from ``secrets``), and the hook itself is called with
    ``(desired user, Cells Uuid)`` once Cells confirmed the create. Then, by the user's own
    action (the mapping gives ``reset`` to users without a usable hash):

    * ``keep-hash``: the legacy hash goes into Cells' user row (``PasswordWriter``);
    * ``random``: ``login,password`` goes to the 0600 CSV; the password is the one
      ``new_password`` gave the same worker thread just before the create;
    * ``reset``: the login is listed for a reset (``users_to_reset``).

    Only created users reach it (an adopted user keeps its password; the account the tool
    logs in with is never planned for a write, kinds/user.py). Thread-safe.
    """

    def __init__(
        self,
        *,
        writer: PasswordWriter | None = None,
        random_file: RandomPasswordFile | None = None,
    ) -> None:
        """Use ``writer`` for keep-hash users and ``random_file`` for random ones."""
        self.writer = writer
        self.random_file = random_file
        self._local = threading.local()
        self._lock = threading.Lock()
        self._reset: list[str] = []

    @classmethod
    def for_config(
        cls,
        passwords: PasswordsConfig,
        *,
        file_mode: FileMode = FileMode.REFUSE,
        creates_users: bool = True,
        pool_size: int = 4,
    ) -> PasswordHook:
        """The hook for ``passwords`` (``file_mode``: ``APPEND`` when resuming a run).

        ``creates_users=False`` (the plan creates no user) opens no CSV, so that a later
        stage's apply is not refused for the file an earlier run wrote. Raises
        ``ConfigError`` when the random CSV cannot be created or the Cells database URL is
        unusable.
        """
        writer = None
        if passwords.strategy is PasswordStrategy.KEEP_HASH and passwords.cells_database_url:
            writer = PasswordWriter(passwords.cells_database_url, pool_size=pool_size)
        random_file = None
        if (
            creates_users
            and passwords.strategy is PasswordStrategy.RANDOM
            and passwords.random_passwords_file
        ):
            random_file = RandomPasswordFile(passwords.random_passwords_file, mode=file_mode)
        return cls(writer=writer, random_file=random_file)

    def new_password(self) -> str:
        """A strong random password for a REST create, remembered for this thread's hook."""
        password = generate_password()
        self._local.pending = password
        return password.reveal()

    def __call__(self, user: DesiredUser, uuid: str) -> PasswordState:
        """Finish the password of ``user``, created in Cells with Uuid ``uuid`` and the
        password :meth:`new_password` last gave this thread; return the step's state
        (``done``, or ``reset`` when an admin must reset it).

        Raises ``MigrateError`` naming the user (never the hash or password) when the
        hash cannot be written or the password cannot be recorded.
        """
        pending: Secret | None = getattr(self._local, "pending", None)
        self._local.pending = None
        subject = f"user:{user.login}"
        action = user.password.action
        if action is PasswordAction.KEEP_HASH:
            if self.writer is None or user.password.legacy_hash is None:
                raise MigrateError(
                    "keep-hash needs passwords.cells_database_url and the user's legacy hash",
                    subject=subject,
                )
            self.writer.write(uuid, user.password.legacy_hash, subject=subject)
        elif action is PasswordAction.RANDOM:
            if self.random_file is None or pending is None:
                raise MigrateError(
                    "random passwords need passwords.random_passwords_file and a password "
                    "generated for the create; reset this user's password in Cells",
                    subject=subject,
                )
            self.random_file.add(user.login, pending)
        else:
            with self._lock:
                self._reset.append(user.login)
            return PasswordState.RESET
        return PasswordState.DONE

    def link_password(self, link: DesiredLink, hidden_uuid: str, password: str) -> None:
        """Finish the password of a public link just created with ``password`` (its hidden
        user is ``hidden_uuid``): keep-hash writes the legacy hidden user's hash into that
        row (recorded: the Pydio 8 link password then works); otherwise the new password
        goes to the random CSV as ``link:<hash>``, or the owner must set one (logged).
        Never raises: the link exists either way, and says so in the log."""
        subject = f"share:{link.key}"
        try:
            if link.password is LinkPassword.KEEP_HASH and link.legacy_hash is not None:
                if self.writer is None:
                    raise MigrateError("keep-hash needs passwords.cells_database_url")
                self.writer.write(hidden_uuid, link.legacy_hash, subject=subject)
                return
            if self.random_file is not None:
                self.random_file.add(link.key, Secret(password))
                return
        except MigrateError as exc:
            log.warning("%s: the link password could not be kept or recorded: %s", subject, exc)
        log.warning(
            "%s has a new password nobody knows: its owner %s must set one in Cells",
            subject,
            link.owner,
        )

    def users_to_reset(self) -> list[str]:
        """Logins created by this hook's run that need a password reset, sorted."""
        with self._lock:
            return sorted(self._reset)

    def close(self) -> None:
        """Close the database pool and the CSV file; log who needs a password reset."""
        reset = self.users_to_reset()
        if reset:
            shown = ", ".join(reset[:20]) + (", …" if len(reset) > 20 else "")
            log.info(
                "%d created user(s) need a password reset (strategy reset, or no usable "
                "legacy hash): %s",
                len(reset),
                shown,
            )
        if self.writer is not None:
            self.writer.close()
        if self.random_file is not None:
            self.random_file.close()


def users_needing_reset(users: Iterable[DesiredUser], created: Collection[str]) -> list[str]:
    """Logins among ``created`` whose password is ``reset`` (random, unknown to anyone):
    the apply report lists them so that the admin sends reset links. Sorted."""
    return sorted(
        u.login for u in users if u.login in created and u.password.action is PasswordAction.RESET
    )


def hook_for_run(
    config: Config, actions: Iterable[Action], *, resuming: bool, steps_left: bool = False
) -> PasswordHook:
    """The ``PasswordHook`` an apply (``resuming=False``) or resume run of ``actions`` uses.

    The CSV of ``random`` is opened only when the run creates users or finishes password
    steps a crash left (``steps_left``), appended to when resuming (never overwritten); the
    database pool is sized to ``cells.concurrency``. Raises ``ConfigError``.
    """
    creates = steps_left or any(creates_user(a) or creates_link_password(a) for a in actions)
    return PasswordHook.for_config(
        config.passwords,
        file_mode=FileMode.APPEND if resuming else FileMode.REFUSE,
        creates_users=creates,
        pool_size=config.cells.concurrency,
    )
