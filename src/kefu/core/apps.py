from importlib import import_module

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from kefu.core import refcache
        from kefu.core.models import Policy, Shop

        refcache.watch(Policy, Shop)
        # Job handlers and sweeps register in each app's tasks.py; web processes
        # need the registry too (enqueue checks the name), not only workers.
        for config in apps.get_app_configs():
            if config.name.startswith("kefu."):
                try:
                    import_module(f"{config.name}.tasks")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.tasks":
                        raise
