"""The Django admin for administrators: one module per group of models.

Importing the modules registers their ModelAdmins with the default site.
"""

from licensing.admin import agreements, applications, calls, firms, reference

__all__ = ["agreements", "applications", "calls", "firms", "reference"]
