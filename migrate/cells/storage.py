"""Typed Cells storage-side objects: datasources, tree nodes, services, scheduler jobs.

cells-api.md §1.2 (objectDataSource), §1.1 (admin tree, services, jobs), §6 (readiness).
The datasource's S3 secret is a ``Secret`` and never appears in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from migrate.cells.models import JsonObj, _bool, _int, _list, _str, _strmap
from migrate.secret import Secret


@dataclass(frozen=True, slots=True, kw_only=True)
class DataSource:
    """An ``objectDataSource``. ``flat_storage`` exists on v3+ only (§1.9)."""

    name: str
    storage_type: str = "LOCAL"
    storage_configuration: tuple[tuple[str, str], ...] = ()
    flat_storage: bool = False
    encryption_mode: str = "CLEAR"
    versioning_policy: str = ""
    objects_bucket: str = ""
    objects_base_folder: str = ""
    objects_service_name: str = ""
    objects_port: int = 0
    disabled: bool = False
    api_key: str = field(default="", repr=False)
    api_secret: Secret | None = field(default=None, repr=False)

    @property
    def folder(self) -> str:
        """``StorageConfiguration.folder`` of a LOCAL datasource ("" otherwise)."""
        return dict(self.storage_configuration).get("folder", "")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DataSource:
        """Parse a datasource; Cells omits ``FlatStorage`` when false."""
        secret = _str(data, "ApiSecret")
        return cls(
            name=_str(data, "Name"),
            storage_type=_str(data, "StorageType") or "LOCAL",
            storage_configuration=_strmap(data, "StorageConfiguration"),
            flat_storage=_bool(data, "FlatStorage"),
            encryption_mode=_str(data, "EncryptionMode") or "CLEAR",
            versioning_policy=_str(data, "VersioningPolicyName"),
            objects_bucket=_str(data, "ObjectsBucket"),
            objects_base_folder=_str(data, "ObjectsBaseFolder"),
            objects_service_name=_str(data, "ObjectsServiceName"),
            objects_port=_int(data, "ObjectsPort"),
            disabled=_bool(data, "Disabled"),
            api_key=_str(data, "ApiKey"),
            api_secret=Secret(secret) if secret else None,
        )

    def to_json(self, *, with_flat_storage: bool = True) -> JsonObj:
        """POST /a/config/datasource/{Name} body (datasource-structured-create.yaml).

        ``with_flat_storage`` is false for v1/v2 servers whose spec has no such field.
        ObjectsServiceName is computed by the server for LOCAL and not sent.
        """
        body: JsonObj = {
            "Name": self.name,
            "StorageType": self.storage_type,
            "EncryptionMode": self.encryption_mode,
            "StorageConfiguration": dict(self.storage_configuration),
        }
        if self.versioning_policy:
            body["VersioningPolicyName"] = self.versioning_policy
        if self.objects_port:
            # A preferred port for a new objects service (first free from it, else 9001).
            body["ObjectsPort"] = self.objects_port
        if with_flat_storage:
            body["FlatStorage"] = self.flat_storage
        if self.objects_bucket:
            body["ObjectsBucket"] = self.objects_bucket
        if self.objects_base_folder:
            body["ObjectsBaseFolder"] = self.objects_base_folder
        if self.api_key:
            body["ApiKey"] = self.api_key
        if self.api_secret is not None:
            body["ApiSecret"] = self.api_secret.reveal()
        if self.disabled:
            body["Disabled"] = True
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A ``treeNode`` as the admin tree returns it (``Path`` is ``<ds>/<sub>``)."""

    uuid: str
    path: str
    type: str = ""
    size: int = 0
    mtime: int = 0
    etag: str = ""
    meta: tuple[tuple[str, str], ...] = ()

    @property
    def is_collection(self) -> bool:
        """True for folders and datasource roots."""
        return self.type == "COLLECTION"

    @property
    def name(self) -> str:
        """Last path segment."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Node:
        """Parse a node."""
        return cls(
            uuid=_str(data, "Uuid"),
            path=_str(data, "Path"),
            type=_str(data, "Type"),
            size=_int(data, "Size"),
            mtime=_int(data, "MTime"),
            etag=_str(data, "Etag"),
            meta=_strmap(data, "MetaStore"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """One entry of ``GET /a/config/ctl`` (restServiceCollection)."""

    name: str
    status: str = ""
    version: str = ""
    tag: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Service:
        """Parse a service."""
        return cls(
            name=_str(data, "Name"),
            status=_str(data, "Status"),
            version=_str(data, "Version"),
            tag=_str(data, "Tag"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class JobTask:
    """A task of a scheduler job (``POST /a/jobs/user`` with ``LoadTasks``)."""

    id: str
    job_id: str
    status: str
    status_message: str = ""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobTask:
        """Parse a task."""
        return cls(
            id=_str(data, "ID"),
            job_id=_str(data, "JobID"),
            status=_str(data, "Status"),
            status_message=_str(data, "StatusMessage"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    """A scheduler job with its loaded tasks."""

    id: str
    label: str = ""
    owner: str = ""
    tasks: tuple[JobTask, ...] = ()

    @property
    def finished(self) -> bool:
        """True when a task of this job is ``Finished`` (datasource-readiness.yaml)."""
        return any(t.status == "Finished" for t in self.tasks)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Job:
        """Parse a job."""
        tasks = tuple(JobTask.from_json(t) for t in _list(data, "Tasks") if isinstance(t, Mapping))
        return cls(
            id=_str(data, "ID"),
            label=_str(data, "Label"),
            owner=_str(data, "Owner"),
            tasks=tasks,
        )
