"""Cloud resource layers behind one interface (``base.ClusterBackend``): one package per cloud (aws, azure).

A cloud is a package here with a Pulumi-free ``cloud`` module that registers its ``model.cloud.CloudRules``, a
``backend`` module whose ``BACKEND`` builds its clusters, and its data rows under ``hardware/data``: adding one
edits nothing else.
"""

from __future__ import annotations


def register_all() -> None:
    """Import every cloud package's ``cloud`` module (each registers itself)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.ispkg:
            importlib.import_module(f"{__name__}.{info.name}.cloud")
