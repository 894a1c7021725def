"""`kefu manage reindex_customers`: rebuild the customer search index from the archive."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from kefu.customers import search
from kefu.customers.models import Customer


class Command(BaseCommand):
    help = "Rebuild the customer search index (after a restore, or when its rules changed)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, batch: int, **options):
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch):
            with transaction.atomic():
                search.reindex(ids[start : start + batch])
        self.stdout.write(f"reindexed {len(ids)} customers")
