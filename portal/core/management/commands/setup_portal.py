"""Idempotent set-up after ``migrate``: role groups, then demo data unless disabled."""

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.accounts.roles import ensure_roles
from portal.core import demo


class Command(BaseCommand):
    help = "Create role groups and load the demo data (idempotent)"

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="skip the demo data")

    def handle(self, *args, **options):
        with demo.setup_lock():
            ensure_roles()
        self.stdout.write("roles: ok")
        if options["no_demo"] or not settings.DEMO_DATA:
            self.stdout.write("demo data: skipped (DEMO_DATA=0)")
            return
        loaded = demo.load_all()
        self.stdout.write(f"demo data: {', '.join(loaded) or 'none'}")
