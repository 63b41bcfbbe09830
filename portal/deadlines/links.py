"""Where a person acts on a deadline: the one answer for the pages, the calendar feeds and the
reminders' e-mails, so a link never leads somewhere its reader may not go (the admin's change
page refuses everyone but administrators)."""

from django.urls import NoReverseMatch, reverse


def staff_link(deadline) -> str:
    """The staff page of the deadline's subject."""
    if deadline.agreement_id:
        return reverse("staff_agreement", args=[deadline.agreement_id])
    if deadline.application_id:
        return reverse("staff_case", args=[deadline.application_id])
    if deadline.information_request_id:
        return reverse("staff_case", args=[deadline.information_request.application_id])
    if deadline.firm_id:
        return reverse("staff_firm", args=[deadline.firm_id])
    return ""


def firm_link(deadline) -> str:
    """The firm's page of the deadline: its application, else the firm's deadlines."""
    if deadline.application_id:
        try:
            return reverse("application_detail", args=[deadline.application_id])
        except NoReverseMatch:  # a page that is not mounted: the deadlines page
            pass
    return reverse("firm_deadlines")


def link_for(deadline, user) -> str:
    """The page where `user` (staff or a firm's person) can act on `deadline`."""
    return (staff_link(deadline) if user.is_regulator_staff else firm_link(deadline)) or reverse("dashboard")
