"""Issue the certificate of every NOC and licence that has none (e.g. after a failure)."""

from django.core.management.base import BaseCommand

from licensing.certificates.services import certificate_issue
from licensing.models import Licence, Noc


class Command(BaseCommand):
    help = "Issue missing NOC and licence certificates."

    def handle(self, *args, **options):
        made = 0
        for noc_id in Noc.objects.filter(certificate__isnull=True).values_list("pk", flat=True):
            certificate_issue(noc_id=noc_id)
            made += 1
        for licence_id in Licence.objects.filter(certificate__isnull=True).values_list("pk", flat=True):
            certificate_issue(licence_id=licence_id)
            made += 1
        self.stdout.write(f"Issued {made} certificate(s).")
