"""Print the demo accounts (fictitious people) so a newcomer can try the product."""

import json

from django.core.management.base import BaseCommand

from portal.core import demo


class Command(BaseCommand):
    help = "List demo residents, doctors and staff"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **options):
        data = demo.accounts()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        for kind in ("residents", "doctors", "staff"):
            self.stdout.write(f"{kind}:")
            for entry in data[kind]:
                self.stdout.write("  " + "  ".join(f"{k}={v}" for k, v in entry.items()))
