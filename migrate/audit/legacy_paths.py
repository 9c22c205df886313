"""Where a Pydio workspace's files are, for a given user (legacy-model.md §8).

* template children and shared children read missing options from their parent
  (``inferOptionsFromParent``, §8.3); a child made from a template with a driver named
  ``ajxp_template_*`` uses the parent's driver;
* ``PATH`` variables (``VarsFilter``, §8.2): ``AJXP_DATA_PATH``/``AJXP_INSTALL_PATH`` and the
  admin's values (:class:`PathRules`); ``AJXP_USER`` makes a per-user folder, a
  ``personal:/<login>`` place; ``AJXP_GROUP_PATH`` (``/a/b``) and ``AJXP_GROUP_PATH_FLAT``
  (``a_b``) take the user's group; 8.x shared children are
  ``AJXP_PARENT_OPTION:PATH:<sub>`` below the parent's folder, resolved for the sharer
  (whose folder the share is), 5.x/6.x ones hold the absolute folder;
* ``s3``: ``CONTAINER`` + ``PATH``; other remote drivers: ``<driver>:/<host><path>``;
* system workspaces (``ajxp_home``, ``inbox``, ``ajxp_conf``…) have no storage: None.

A path that cannot be resolved is ``unresolved:/<workspace id>``: the right is real, and
the comparison shows it as lost rather than hiding it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from migrate.audit.locations import Location, PathRules, clean_path
from migrate.legacy.model import LegacyMap, LegacyWorkspace

USER_VAR = "AJXP_USER"
_PARENT = re.compile(r"^AJXP_PARENT_OPTION:PATH:(.*)$")
_HOST_OPTIONS = ("HOST", "FTP_HOST", "SERV", "SFTP_HOST", "DB_HOST", "API_URL", "ENDPOINT")
PERSONAL = "personal"
FILE = "file"
UNRESOLVED = "unresolved"


class WorkspacePaths:
    """Locations of an inventory's workspaces; shared (non per-user) results are cached."""

    def __init__(
        self,
        workspaces: Mapping[str, LegacyWorkspace],
        rules: PathRules,
        login_of: Callable[[str], str],
    ) -> None:
        self.by_id = workspaces
        self.rules = rules
        self.login_of = login_of  # legacy login -> the login that names its personal folder
        self._cache: dict[str, Location | None] = {}
        self._per_user: dict[str, bool] = {}

    def options(self, ws: LegacyWorkspace) -> LegacyMap:
        """Own options, then the parent's for what the workspace does not set (§8.3)."""
        parent = self.by_id.get(ws.parent_id or "")
        if parent is None or not (ws.infer_options_from_parent or ws.template_child):
            return ws.options
        own = {k for k, _ in ws.options}
        return LegacyMap(
            items=ws.options.items + tuple(i for i in parent.options if i[0] not in own)
        )

    def driver(self, ws: LegacyWorkspace) -> str:
        """The driver, a template child's ``ajxp_template_*`` replaced by its parent's."""
        parent = self.by_id.get(ws.parent_id or "")
        if ws.driver.startswith("ajxp_template_") and parent is not None:
            return parent.driver
        return ws.driver

    def per_user(self, ws: LegacyWorkspace) -> bool:
        """True when the folder depends on the user (``AJXP_USER``/``AJXP_GROUP_PATH``)."""
        found = self._per_user.get(ws.workspace_id)
        if found is None:
            raw = self._raw(ws, 0)
            found = raw is not None and ("AJXP_USER" in raw or "AJXP_GROUP_PATH" in raw)
            self._per_user[ws.workspace_id] = found
        return found

    def location(self, ws: LegacyWorkspace, login: str, group_path: str) -> Location | None:
        """The folder legacy user ``login`` (in ``group_path``) reaches through ``ws``;
        None when the workspace has no storage."""
        if ws.system:
            return None
        if self.per_user(ws):
            return self._resolve(ws, login, group_path, 0)
        if ws.workspace_id not in self._cache:
            self._cache[ws.workspace_id] = self._resolve(ws, login, group_path, 0)
        return self._cache[ws.workspace_id]

    def _raw(self, ws: LegacyWorkspace, depth: int) -> str | None:
        """The unresolved PATH, following ``AJXP_PARENT_OPTION`` up to the first real one."""
        value = self.options(ws).get("PATH")
        raw = value if isinstance(value, str) and value else ws.path
        match = _PARENT.match(raw or "")
        if match is None or depth > 8:
            return raw
        parent = self.by_id.get(ws.parent_id or "")
        base = self._raw(parent, depth + 1) if parent is not None else None
        return None if base is None else base.rstrip("/") + "/" + match.group(1).strip("/")

    def _resolve(
        self, ws: LegacyWorkspace, login: str, group_path: str, depth: int
    ) -> Location | None:
        driver = self.driver(ws)
        options = self.options(ws)
        if driver == "s3":
            container = options.get_str("CONTAINER") or ""
            inner = options.get_str("PATH") or "/"
            if not container:
                return Location(UNRESOLVED, "/" + ws.workspace_id)
            return Location("s3", clean_path(f"/{container}/{inner}"))
        raw = self._raw(ws, depth)
        if raw is None:
            return Location(UNRESOLVED, "/" + ws.workspace_id)
        if driver != "fs":
            host = next((h for k in _HOST_OPTIONS if (h := options.get_str(k))), "")
            return Location(driver, clean_path(f"/{host}/{raw}"))
        if ws.shared_child and ws.owner:
            login = ws.owner  # a share opens the sharer's folder (§8.3)
        return self._folder(ws, raw, login, group_path)

    def _folder(self, ws: LegacyWorkspace, raw: str, login: str, group_path: str) -> Location:
        flat = group_path.strip("/").replace("/", "_")
        raw = raw.replace("AJXP_GROUP_PATH_FLAT", flat).replace("AJXP_GROUP_PATH", group_path)
        if USER_VAR in raw:
            suffix = raw.split(USER_VAR, 1)[1].replace(USER_VAR, self.login_of(login))
            owner = self.login_of(login)
            return Location(PERSONAL, clean_path(f"/{owner}/{suffix}"))
        folder = self.rules.resolve(raw)
        if folder is None:
            return Location(UNRESOLVED, "/" + ws.workspace_id)
        return Location(FILE, folder)
