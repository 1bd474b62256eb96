"""Split the benchmark's tokens between its saturated and paced ballot runs (scripts/bench-load.sh; not a test).

    python scripts/bench_load/split_tokens.py TOKENS.json RATE DURATION SATURATED.json PACED.json

Each locust run reads its token file afresh, so the two runs must not share tokens (a spent one answers 410).
The paced run offers RATE submissions a second for DURATION (locust's form: 30s, 2m): it gets that many tokens
and a fifth more; the saturated run gets the rest.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

UNITS = {"s": 1, "m": 60, "h": 3600}


def seconds(duration: str) -> int:
    """Locust's run time ("30s", "2m", "1h30m") in seconds."""
    parts = re.findall(r"(\d+)([smh])", duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise SystemExit(f"split_tokens: cannot read the duration {duration!r} (e.g. 30s, 2m)")
    return sum(int(n) * UNITS[u] for n, u in parts)


def main() -> None:
    source, rate, duration, saturated, paced = sys.argv[1:6]
    payload = json.loads(Path(source).read_text())
    tokens = payload["tokens"]
    wanted = math.ceil(float(rate) * seconds(duration) * 1.2)
    if wanted >= len(tokens):
        raise SystemExit(f"split_tokens: {len(tokens)} tokens, the paced run alone needs {wanted}; raise BENCH_CADRES")
    Path(saturated).write_text(json.dumps({**payload, "tokens": tokens[:-wanted]}))
    Path(paced).write_text(json.dumps({**payload, "tokens": tokens[-wanted:]}))


if __name__ == "__main__":
    main()
