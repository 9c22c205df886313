"""The access audit (``cells-migrate audit``): for every user, what they could reach in
Pydio 8 against what they can reach in Cells.

``legacy_access`` is the oracle (Pydio's rules on the extracted inventory; it imports
nothing from ``migrate.mapping``), ``cells_read``/``cells_access`` read and resolve the live
Cells by Cells' rules, ``compare`` and ``pairing`` find the differences, ``accept`` applies
the ``audit.accept`` rules, ``render`` writes the report. ``run.audit_for_config`` composes
them.
"""
