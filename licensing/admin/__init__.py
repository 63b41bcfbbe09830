"""The Django admin for administrators: one module per group of models.

Importing the modules registers their ModelAdmins with the default site.
"""

from licensing.admin import applications, calls, firms, reference

__all__ = ["applications", "calls", "firms", "reference"]
