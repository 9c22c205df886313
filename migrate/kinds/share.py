"""Shares: public links matched by hash, cells matched by recorded Uuid or root + label.

From cells-v3-recordings/README.md "Shares" (the client side is :mod:`migrate.cells.shares`):

* a **link** is created by the tool's account, given the legacy hash with
  ``UpdateCustomHash`` (the account's ``HASH_MIN_LENGTH`` lowered first for Pydio 8's
  6-character hashes), then handed over to its owner with ``PUT /a/share/policies``. A hash
  Cells already gives to a link on another node is a **conflict**, never taken over; a
  custom hash refused after the create deletes the new link again. Managed fields: label,
  description, root node, permissions, expiry, download limit, template, password flag,
  owner. A password-protected link gets a new random password at creation; with
  ``keep-hash`` the legacy hidden user's hash is then written into the new hidden user's
  row (``ApplyContext.link_password``), otherwise the new password goes to the 0600 CSV
  of ``random``, or the owner sets one (said in the plan).
* a **cell** is created with each member's ``read``/``write`` as ``Value:"1"`` actions and
  the owner (and the tool's account, which Cells always adds) as read+write members, then
  handed over. Cells accepts no caller-chosen Uuid, so a re-run finds it among the cells the
  tool's account can list, by root node and label (and a resume by its recorded Uuid).

Rollback deletes what a run created (a link's hidden user goes with it) and writes back
what it updated.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace

from migrate.cells.client import CellsClient
from migrate.cells.models import Policy
from migrate.cells.shares import (
    DEFAULT_HASH_MIN_LENGTH,
    ShareCell,
    ShareLink,
    cell_json,
    cell_on,
    delete_cell,
    delete_link,
    get_cell,
    get_link,
    handed_over,
    hash_min_length,
    link_by_hash,
    list_cells,
    own_link_on,
    put_cell,
    put_link,
    put_policies,
    reset_hash_min_length,
    set_hash_min_length,
)
from migrate.errors import CellsError, CellsHTTPError
from migrate.jsontypes import JsonValue
from migrate.kinds.base import ApplyContext, DiffContext, Image, KindHandler, LiveJob, Written
from migrate.kinds.fields import UNRESOLVED_PREFIX, Fields, field_changes, flag, node_id
from migrate.kinds.keys import ObjectRef
from migrate.kinds.live_state import LiveState
from migrate.kinds.resolve import ROOT_GROUP, Resolver
from migrate.kinds.vocabulary import Action, ActionType, FieldChange, Kind, Stage
from migrate.mapping.desired import (
    DesiredCell,
    DesiredLink,
    DesiredState,
    LinkPassword,
    NodeRef,
    RoleRef,
    RoleTarget,
)

Desired = DesiredLink | DesiredCell
Live = ShareLink | ShareCell
LINK_BATCH = 20  # links read (public page + GET) per plan job
KIND_KEY = "ShareKind"  # tags an image: "link" or "cell"
HASH_LENGTH_KEY = "HashMinLengthLowered"  # in a link's image: the parameter it lowered
OWNER_ACTIONS = ("read", "write")
FRESH_LINK_NOTE = (
    "a new link password is set (Pydio 8 kept only a hash): it is written to "
    "passwords.random_passwords_file with strategy random, otherwise its owner sets one"
)
_DEPENDS_ON = {RoleTarget.USER: Kind.USER, RoleTarget.GROUP: Kind.GROUP, RoleTarget.ROLE: Kind.ROLE}


def not_migrated(actions: Iterable[Action]) -> list[Action]:
    """The legacy shares a plan skips (each with its reason): no verdict may say "no
    changes" or "OK" while there is one."""
    return [a for a in actions if a.kind is Kind.SHARE and a.action is ActionType.SKIP]


def creates_link_password(action: Action) -> bool:
    """True for the create of a link whose new password is recorded (the random CSV)."""
    return (
        action.kind is Kind.SHARE
        and action.action is ActionType.CREATE
        and action.reason == FRESH_LINK_NOTE
    )


def _datasource(node: NodeRef) -> str:
    return node.path.split("/", 1)[0]


def wanted_link(link: DesiredLink, root: str, owner_uuid: str) -> ShareLink:
    """The link ``link`` should be in Cells (the policies only name its owner)."""
    return ShareLink(
        link_hash=link.link_hash,
        label=link.label,
        description=link.description,
        root_nodes=(root,),
        permissions=link.permissions,
        access_end=str(link.access_end) if link.access_end else "",
        max_downloads=str(link.max_downloads) if link.max_downloads else "",
        template=link.template,
        password_required=link.password is not LinkPassword.NONE,
        policies=(Policy(subject=owner_uuid, action="OWNER"),),
    )


def cell_acls(
    cell: DesiredCell, role_of: Callable[[RoleRef], str | None], owner: str, tool: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Role id → granted actions: members, the owner and the tool's account (read+write;
    Cells adds the creator itself). A member whose role is not known yet is ``?<key>``."""
    acls: dict[str, tuple[str, ...]] = {}
    for member in cell.members:
        role = role_of(member.role) or f"?{member.role.target}:{member.role.key}"
        actions = tuple(a for a, on in (("read", member.read), ("write", member.write)) if on)
        acls[role] = actions
    for uid in (owner, tool):
        if uid:
            acls[uid] = OWNER_ACTIONS
    return tuple(sorted(acls.items()))


def wanted_cell(
    cell: DesiredCell, root: str, acls: tuple[tuple[str, tuple[str, ...]], ...], owner_uuid: str
) -> ShareCell:
    """The cell ``cell`` should be in Cells."""
    return ShareCell(
        label=cell.label,
        description=cell.description,
        root_nodes=(root,),
        acls=acls,
        policies=(Policy(subject=owner_uuid, action="OWNER"),),
    )


class ShareHandler(KindHandler[Desired, Live]):
    """Links and cells (see the module docstring)."""

    kind = Kind.SHARE
    live_field = "shares"

    def __init__(self) -> None:
        self._hash_lock = threading.Lock()

    # ---------------------------------------------------------------- desired side
    def desired(self, state: DesiredState) -> tuple[Desired, ...]:
        """Links by hash, then cells by name."""
        return (*state.links, *state.cells)

    def keyed(self, state: DesiredState) -> Iterator[tuple[str, Desired]]:
        """``link:<hash>`` and ``cell:<label>``."""
        return ((obj.key, obj) for obj in self.desired(state))

    def legacy_keys(self, obj: Desired) -> tuple[str, ...]:
        """Its action key, the legacy share id and the shared child workspace id."""
        return (obj.key, obj.legacy_key, obj.workspace_id)

    def dependencies(self, obj: Desired, slugs: Mapping[str, str]) -> list[tuple[Kind, str]]:
        """Its owner, its members, and the datasource of its folder."""
        deps = [(Kind.USER, obj.owner), (Kind.DATASOURCE, _datasource(obj.root))]
        if isinstance(obj, DesiredCell):
            for member in obj.members:
                kind = _DEPENDS_ON.get(member.role.target)
                if kind is not None:
                    deps.append((kind, member.role.key))
        return deps

    def folder_nodes(self, obj: Desired) -> tuple[NodeRef, ...]:
        """The shared folder or file."""
        return (obj.root,)

    # ---------------------------------------------------------------- live side
    def live_jobs(
        self, client: CellsClient, desired: DesiredState, known: LiveState
    ) -> list[LiveJob[Live]]:
        """The links at the desired hashes (in batches), and the cells the tool can list."""
        hashes = [link.link_hash for link in desired.links]
        jobs: list[LiveJob[Live]] = [
            _links_job(client, hashes[i : i + LINK_BATCH])
            for i in range(0, len(hashes), LINK_BATCH)
        ]
        if desired.cells:
            jobs.append(lambda: [c for u in list_cells(client) if (c := get_cell(client, u))])
        return jobs

    def live_order(self, obj: Live) -> tuple[str, ...]:
        """Links first (by hash), then cells (by Uuid)."""
        if isinstance(obj, ShareLink):
            return ("link", obj.link_hash, obj.uuid)
        return ("cell", obj.uuid)

    def read(self, client: CellsClient, ref: ObjectRef) -> Live | None:
        """A link by its recorded Uuid, else by its hash; a cell by its recorded Uuid."""
        if ref.key.startswith("link:"):
            link_hash = ref.key.removeprefix("link:")
            link = get_link(client, ref.cells_id) if ref.cells_id else None
            if link is None:
                link = link_by_hash(client, link_hash)
            return link if link is not None and link.link_hash == link_hash else None
        return get_cell(client, ref.cells_id) if ref.cells_id else None

    # ---------------------------------------------------------------- plan
    def diff(self, desired: tuple[Desired, ...], ctx: DiffContext) -> list[Action]:
        """create / update / noop / conflict per link and cell; never a delete."""
        live = ctx.live
        resolver = Resolver.build(
            ctx.desired, users=live.users, groups=live.groups, folders=ctx.folders
        )
        shares = self.live(live)
        links = {s.link_hash: s for s in shares if isinstance(s, ShareLink)}
        cells = [s for s in shares if isinstance(s, ShareCell)]
        tool = resolver.user_ids.get(ctx.tool_login or "", "")
        names = {uid: f"user:{login}" for login, uid in resolver.user_ids.items()}
        names.update({uid: f"group:{path}" for path, uid in resolver.group_ids.items()})
        names.update({uid: path for path, uid in resolver.folders.items()})
        actions = []
        for obj in desired:
            if isinstance(obj, DesiredLink):
                action = self._diff_link(obj, links.get(obj.link_hash), resolver)
            else:
                action = self._diff_cell(obj, cells, resolver, tool)
            actions.append(replace(action, changes=_shown(action.changes, names)))
        return actions

    def _diff_link(self, link: DesiredLink, found: ShareLink | None, r: Resolver) -> Action:
        root = r.node_id(link.root)
        owner = r.user_ids.get(link.owner, "")
        wanted = wanted_link(link, root, owner)
        base = Action(stage=Stage.SHARES, kind=Kind.SHARE, key=link.key, action=ActionType.NOOP)
        note = FRESH_LINK_NOTE if link.password is LinkPassword.NEW else ""
        if found is None:
            changes = field_changes(self.fields(wanted), None)
            return replace(base, action=ActionType.CREATE, changes=changes, reason=note)
        base = replace(base, cells_id=found.uuid)
        if found.root_nodes != (root,):
            reason = (
                f"Cells already has a link at hash {link.link_hash} (Uuid {found.uuid}) on "
                "another node; it is never taken over: delete or re-hash that link in Cells, "
                "then plan again"
            )
            return replace(base, action=ActionType.CONFLICT, reason=reason)
        changes = field_changes(self.fields(wanted), self.fields(found))
        if changes:
            return replace(base, action=ActionType.UPDATE, changes=changes)
        return base

    def _diff_cell(
        self, cell: DesiredCell, cells: list[ShareCell], r: Resolver, tool: str
    ) -> Action:
        root = r.node_id(cell.root)
        owner = r.user_ids.get(cell.owner, "")
        wanted = wanted_cell(cell, root, cell_acls(cell, r.role_id, owner, tool), owner)
        base = Action(stage=Stage.SHARES, kind=Kind.SHARE, key=cell.key, action=ActionType.NOOP)
        found = _find_cell(cells, root, cell.label)
        if found is None:
            changes = field_changes(self.fields(wanted), None)
            return replace(base, action=ActionType.CREATE, changes=changes)
        base = replace(base, cells_id=found.uuid)
        changes = field_changes(self.fields(wanted), self.fields(found))
        if changes:
            return replace(base, action=ActionType.UPDATE, changes=changes)
        return base

    # ---------------------------------------------------------------- managed fields
    def fields(self, obj: Live) -> Fields:
        """A link: label, description, root, permissions, expiry, download limit, template,
        password flag, owner. A cell: label, description, root, members, owner."""
        if isinstance(obj, ShareLink):
            return (
                ("label", obj.label),
                ("description", obj.description or None),
                ("root", ", ".join(obj.root_nodes)),
                ("permissions", ", ".join(sorted(obj.permissions))),
                ("expires", obj.access_end or None),
                ("max_downloads", obj.max_downloads or None),
                ("template", obj.template or None),
                ("password_protected", flag(obj.password_required)),
                ("owner", obj.owner or None),
            )
        return (
            ("label", obj.label),
            ("description", obj.description or None),
            ("root", ", ".join(obj.root_nodes)),
            ("members", "; ".join(f"{r}: {'+'.join(a)}" for r, a in obj.acls)),
            ("owner", obj.owner or None),
        )

    # ---------------------------------------------------------------- images
    def image(self, obj: Live) -> Image:
        """The link or cell as Cells returned it, tagged with its kind (no secret: a link
        holds no password, only whether it has one)."""
        if isinstance(obj, ShareLink):
            out: Image = dict(obj.raw) if obj.raw else dict(obj.body())
            out["Policies"] = [dict(p.to_json()) for p in obj.policies]
            if obj.password_required:
                out["PasswordRequired"] = True
            if obj.link_hash:
                out["LinkHash"] = obj.link_hash
            out[KIND_KEY] = "link"
            return out
        body = obj.body()
        body["Policies"] = [dict(p.to_json()) for p in obj.policies]
        body[KIND_KEY] = "cell"
        return body

    def from_image(self, image: Mapping[str, object]) -> Live:
        """The link or cell an image describes."""
        data = {k: v for k, v in image.items() if k not in (KIND_KEY, HASH_LENGTH_KEY)}
        if image.get(KIND_KEY) == "cell":
            return ShareCell.from_json(data)
        return ShareLink.from_json(data)

    def cells_id(self, obj: Live) -> str:
        """Its Uuid (Cells assigns it)."""
        return obj.uuid

    # ---------------------------------------------------------------- writes
    def write(self, action: Action, obj: Desired, ctx: ApplyContext) -> Written:
        """Create or update the link or cell, then hand it over to its owner."""
        if isinstance(obj, DesiredLink):
            link, lowered = self._write_link(action, obj, ctx)
            after = self.image(link)
            if lowered is not None:
                after[HASH_LENGTH_KEY] = lowered  # rollback puts the parameter back
            return Written(cells_id=link.uuid, after=after)
        cell = self._write_cell(action, obj, ctx)
        return Written(cells_id=cell.uuid, after=self.image(cell))

    def _node(self, node: NodeRef, ctx: ApplyContext, subject: str) -> str:
        found = node_id(node, ctx.refs.folder_map())
        if found.startswith(UNRESOLVED_PREFIX):
            raise ctx.refs.unresolved(node.path, subject)
        return found

    def _user_uuid(self, client: CellsClient, login: str, subject: str) -> str:
        user = client.get_user(login)
        if user is None or not user.uuid:
            raise CellsError(f"user {login!r} is not in Cells", subject=subject)
        return user.uuid

    def _write_link(
        self, action: Action, obj: DesiredLink, ctx: ApplyContext
    ) -> tuple[ShareLink, Image | None]:
        client, subject = ctx.client, f"share:{obj.key}"
        root = self._node(obj.root, ctx, subject)
        owner = self._user_uuid(client, obj.owner, subject)
        wanted = wanted_link(obj, root, owner)
        live = get_link(client, action.cells_id) if action.cells_id else None
        lowered: Image | None = None
        if live is None:
            live, lowered = self._create_link(obj, wanted, ctx)
        else:
            fresh = replace(
                live,
                **{
                    f: getattr(wanted, f)
                    for f in ("label", "description", "root_nodes", "permissions")
                },
                access_end=wanted.access_end,
                max_downloads=wanted.max_downloads,
                template=wanted.template,
            )
            password = None
            if wanted.password_required and not live.password_required:
                password = ctx.new_password()
            live = put_link(
                client,
                replace(fresh, password_required=wanted.password_required),
                password=password,
                update_password=True,
            )
        self._hand_over(client, live.uuid, live.policies, owner, obj.owner)
        final = get_link(client, live.uuid)
        if final is None:
            raise CellsError("the link disappeared right after it was written", subject=subject)
        return final, lowered

    def _create_link(
        self, obj: DesiredLink, wanted: ShareLink, ctx: ApplyContext
    ) -> tuple[ShareLink, Image | None]:
        client, subject = ctx.client, f"share:{obj.key}"
        password = ctx.new_password() if wanted.password_required else None
        root, label = wanted.root_nodes[0], wanted.label

        def made() -> JsonValue:  # a lost answer: never a second link
            found = own_link_on(client, root, label)
            return dict(found.raw) if found is not None else None

        created = put_link(client, replace(wanted, policies=()), password=password, check=made)
        lowered = None
        if created.link_hash != obj.link_hash:
            try:
                lowered = self._allow_hash_length(client, len(obj.link_hash))
                # the object as the create returned it (as recorded), plus the hash
                created = put_link(client, created, custom_hash=obj.link_hash)
            except CellsHTTPError as exc:
                delete_link(client, created.uuid)  # never leave a link at a random hash
                if "in use" in exc.message:
                    raise CellsError(
                        f"hash {obj.link_hash} is already used by another link in Cells; "
                        "it is never taken over",
                        subject=subject,
                    ) from exc
                raise
        if password is not None and ctx.link_password is not None:
            ctx.link_password(obj, created.user_uuid, password)
        return created, lowered

    def _allow_hash_length(self, client: CellsClient, length: int) -> Image | None:
        """Lower the tool account's ``HASH_MIN_LENGTH`` to ``length`` when Cells' default
        (12) would refuse the Pydio 8 hash (recorded: the parameter ACL on the caller's
        role, workspace ``PYDIO_REPO_SCOPE_ALL``); what it was, when this call changed it."""
        if length >= DEFAULT_HASH_MIN_LENGTH:
            return None
        me = self._user_uuid(client, client.account(), "share:hash-length")
        with self._hash_lock:  # links are written concurrently; one ACL per role
            current = hash_min_length(client, me)
            if current is not None and current <= length:
                return None
            set_hash_min_length(client, me, length)
        return {"Role": me, "Before": current}

    def _hand_over(
        self,
        client: CellsClient,
        uuid: str,
        policies: tuple[Policy, ...],
        owner: str,
        login: str,
    ) -> None:
        if not policies or any(p.action == "OWNER" and p.subject == owner for p in policies):
            return
        put_policies(
            client,
            uuid,
            handed_over(
                policies, owner_uuid=owner, owner_login=login, caller_login=client.account()
            ),
        )

    def _write_cell(self, action: Action, obj: DesiredCell, ctx: ApplyContext) -> ShareCell:
        client, subject = ctx.client, f"share:{obj.key}"
        root = self._node(obj.root, ctx, subject)
        owner = self._user_uuid(client, obj.owner, subject)
        tool = self._user_uuid(client, client.account(), subject)

        def role_of(ref: RoleRef) -> str | None:
            if ref.target is RoleTarget.USER:
                user = client.get_user(ref.key)
                return user.uuid if user is not None else None
            if ref.target is RoleTarget.GROUP:
                known = ctx.refs.group(ref.key)
                if known:
                    return known
                parent = ref.key.rstrip("/").rsplit("/", 1)[0] or "/"
                found = [g for g in client.search_groups(parent) if g.path == ref.key]
                return found[0].uuid if found else None
            return ROOT_GROUP if ref.target is RoleTarget.ROOT_GROUP else ref.key

        acls = cell_acls(obj, role_of, owner, tool)
        unknown = [r for r, _ in acls if r.startswith("?")]
        if unknown:
            raise CellsError(f"member(s) not in Cells: {', '.join(unknown)}", subject=subject)
        wanted = wanted_cell(obj, root, acls, owner)
        uuid = action.cells_id
        if not uuid:
            found = cell_on(client, root, obj.label)
            uuid = found.uuid if found is not None else ""

        def made() -> JsonValue:  # a lost answer: never a second cell
            again = cell_on(client, root, obj.label)
            return cell_json(again) if again is not None else None

        live = put_cell(
            client, replace(wanted, uuid=uuid, policies=()), check=None if uuid else made
        )
        self._hand_over(client, live.uuid, live.policies, owner, obj.owner)
        final = get_cell(client, live.uuid)
        if final is None:
            raise CellsError("the cell disappeared right after it was written", subject=subject)
        return final

    def current(self, action: Action, obj: Desired, ctx: ApplyContext) -> Written | None:
        """A link by hash; a cell by recorded Uuid, else by root and label."""
        live = self.read(ctx.client, self.target(action, obj, ctx))
        if live is None and isinstance(obj, DesiredCell):
            root = node_id(obj.root, ctx.refs.folder_map())
            cells = [c for u in list_cells(ctx.client) if (c := get_cell(ctx.client, u))]
            live = _find_cell(cells, root, obj.label)
        if live is None:
            return None
        return Written(cells_id=live.uuid, after=self.image(live))

    # ---------------------------------------------------------------- delete / restore
    def delete(
        self,
        client: CellsClient,
        ref: ObjectRef,
        live: Live,
        written: Mapping[str, object] | None,
    ) -> list[str]:
        """Delete the link (its hidden user goes too) or the cell (its folder stays)."""
        if isinstance(live, ShareLink):
            delete_link(client, live.uuid)
            lowered = (written or {}).get(HASH_LENGTH_KEY)
            if isinstance(lowered, Mapping) and lowered.get("Role"):
                before = lowered.get("Before")
                with self._hash_lock:
                    reset_hash_min_length(
                        client, str(lowered["Role"]), before if isinstance(before, int) else None
                    )
                return ["the tool account's HASH_MIN_LENGTH parameter is put back"]
        else:
            delete_cell(client, live.uuid)
        return []

    def restore(self, client: CellsClient, ref: ObjectRef, image: Mapping[str, object]) -> None:
        """Write the image back: its fields, and its policies."""
        obj = self.from_image(image)
        if isinstance(obj, ShareLink):
            live = get_link(client, obj.uuid)
            if live is None:
                raise CellsError(
                    "the link is gone; it cannot be restored with its hash and password",
                    subject=str(ref),
                )
            put_link(client, replace(obj, raw=live.raw))
        else:
            put_cell(client, replace(obj, policies=()))
        put_policies(client, obj.uuid, obj.policies)


def _links_job(client: CellsClient, hashes: list[str]) -> LiveJob[Live]:
    def job() -> list[Live]:
        out: list[Live] = []
        for link_hash in hashes:
            link = link_by_hash(client, link_hash)
            if link is not None:
                out.append(replace(link, link_hash=link_hash) if not link.link_hash else link)
        return out

    return job


def _shown(changes: tuple[FieldChange, ...], names: Mapping[str, str]) -> tuple[FieldChange, ...]:
    """The changes as people read them: Uuids of users, groups and folders by name."""

    def named(value: str | None) -> str | None:
        if not value:
            return value
        parts = [p.split(": ", 1) for p in value.split("; ")]
        return "; ".join(": ".join([names.get(p[0], p[0]), *p[1:]]) for p in parts)

    return tuple(
        replace(c, old=named(c.old), new=named(c.new))
        if c.field in ("owner", "members", "root")
        else c
        for c in changes
    )


def _find_cell(cells: list[ShareCell], root: str, label: str) -> ShareCell | None:
    """The cell on ``root`` with ``label`` (the deterministic lookup of a re-run)."""
    for cell in cells:
        if cell.root_nodes == (root,) and cell.label == label:
            return cell
    return None


HANDLER = ShareHandler()
