import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qc_portal.settings.base")
django.setup()

from bench import BENCHMARKS  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "latest.json"


def main() -> int:
    if not BENCHMARKS:
        print("bench: no benchmarks are registered yet (they arrive with the [performance] issue).")
        return 0
    results = []
    for name, run in BENCHMARKS.items():
        result = run()
        results.append({**asdict(result), "ratio": result.ratio})
        print(
            f"{name}: {result.figure:.3f} {result.unit} vs baseline {result.baseline:.3f} "
            f"= {result.ratio:.2f}x (goal {result.goal})"
        )
    RESULTS.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
