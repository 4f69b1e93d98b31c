"""Bench-only settings: the product's settings plus the bench URLconf (the baseline view)."""

from qc_portal.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
