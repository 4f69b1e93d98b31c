import importlib
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from qc_portal.demo import DEMO_APP_ORDER, DEMO_PASSWORD, SCALES, DemoContext, seed_organisation


class Command(BaseCommand):
    help = "Create the demo bank (deterministic, safe to run twice). Refuses production settings."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--scale", choices=sorted(SCALES), default="medium")
        parser.add_argument("--only", nargs="*", default=None, help="seed only these apps")

    def handle(self, *args, seed: int, scale: str, only, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with production settings (DEBUG is off).")
        started = time.monotonic()
        context = DemoContext(
            seed=seed, scale=scale, rng=random.Random(seed), now=timezone.now(), stdout=self.stderr
        )
        with transaction.atomic():
            seed_organisation(context)
        self.stdout.write(f"organisation: {len(context.branches)} branches")
        for label in DEMO_APP_ORDER:
            if only is not None and label not in only:
                continue
            try:
                module = importlib.import_module(f"{label}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{label}.demo":
                    raise
                continue
            step = time.monotonic()
            context.rng = random.Random(f"{seed}-{label}")
            module.seed(context)
            self.stdout.write(f"{label}: done in {time.monotonic() - step:.1f}s")
        self.stdout.write(
            self.style.SUCCESS(f"Demo bank ready in {time.monotonic() - started:.1f}s.")
        )
        self.stdout.write(
            f"Logins (password {DEMO_PASSWORD}): "
            + ", ".join(sorted(str(k) for k in context.logins))
        )
        for note in context.notes:
            self.stdout.write(note)
