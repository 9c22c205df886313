"""One handler per Cells object kind, and the registry that maps a kind to it.

``vocabulary.py`` (stages, kinds, actions), ``keys.py`` (typed natural keys and Cells ids),
``fields.py`` (managed fields), ``base.py`` (the handler interface and its contexts),
``live_state.py`` (what Cells holds), ``resolve.py`` (ACL references to Cells ids), one
module per kind (``datasource``, ``group``, ``role``, ``user``, ``workspace``, ``acl``,
``share``), and ``registry.py``. Nothing here imports ``plan`` or ``load``: they import it.
"""
