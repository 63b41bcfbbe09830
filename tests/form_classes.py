"""Every form class the portal defines, for tests generated from the code (widgets, dates)."""

import importlib
import pkgutil

from django import forms

PACKAGES = ("licensing", "aml", "portal")


def portal_form_classes(*, include_admin: bool = True) -> list[type[forms.BaseForm]]:
    for package in PACKAGES:
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if ".migrations" in info.name or info.name.endswith(
                (".celery", ".wsgi", ".asgi", "gunicorn.conf")
            ):
                continue
            importlib.import_module(info.name)
    seen, todo = set(), [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted(
        (
            form
            for form in seen
            if form.__module__.split(".")[0] in PACKAGES
            and (include_admin or ".admin" not in form.__module__)
        ),
        key=lambda form: f"{form.__module__}.{form.__qualname__}",
    )
