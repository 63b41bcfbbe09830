"""Row visibility shared by every firm-owned model."""

from django.db import models


class FirmScopedQuerySet(models.QuerySet):
    """Regulator staff see every row; a firm user sees the rows of the firms they belong to.

    `firm_path` is the lookup from the model to its Firm ("" for Firm itself)."""

    firm_path = "firm"

    def visible_to(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_regulator_staff:
            return self
        prefix = f"{self.firm_path}__" if self.firm_path else ""
        # One membership per (firm, user): the join cannot duplicate rows, so no DISTINCT
        # (which would also forbid select_for_update on PostgreSQL).
        return self.filter(**{f"{prefix}memberships__user": user, f"{prefix}memberships__is_active": True})
