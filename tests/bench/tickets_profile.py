"""Profile one kefu page in-process against a kept benchmark data dir or database.

    KEFU_DATA_DIR=/tmp/kefu-bench/tickets-sqlite-1000000/data \\
        python tests/bench/tickets_profile.py /tickets/?view=all --user bench-lead -n 20

Signs in as ``--user`` (no password needed: the Django test client's force_login), runs
the request once to warm up, then ``-n`` times under cProfile, and prints the mean time,
the SQL statements of one request with their times, and the functions that took longest
(cumulative). Nothing is written to the database except the session, unless ``--post``
sends a JSON body (``{n}`` in it is replaced by a counter), e.g. to profile API ticket
creation with a fresh ``Idempotency-Key`` each time::

    python tests/bench/tickets_profile.py /api/v1/tickets --token TOKEN \\
        --post '{"customer_id": 7, "shop_id": 1, "subject": "s {n}", "body": "b {n}"}'
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
import uuid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--user", default="bench-lead")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--token", help="an API token: send it instead of signing in")
    parser.add_argument("--post", help="POST this JSON body instead of a GET")
    parser.add_argument("--sort", default="cumulative", help="pstats order (e.g. tottime)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kefu.core.models import User

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    headers = {}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    else:
        client.force_login(User.objects.get(username=args.user))

    sent = 0

    def hit():
        nonlocal sent
        if args.post is None:
            response = client.get(args.path, headers=headers)
        else:
            sent += 1
            response = client.post(
                args.path,
                data=args.post.replace("{n}", str(sent)),
                content_type="application/json",
                headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
            )
        if response.status_code not in (200, 201):
            raise SystemExit(f"{args.path}: {response.status_code} {response.content[:300]!r}")
        return response

    hit()
    with CaptureQueriesContext(connection) as queries:
        hit()
    print(f"{len(queries.captured_queries)} SQL statements in one request:")
    for q in queries.captured_queries:
        print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:220]}")
    reset_queries()

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.n):
        hit()
    profiler.disable()
    took = (time.perf_counter() - started) / args.n
    print(f"\nmean {took * 1000:.1f} ms over {args.n} requests (profiler on)")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
