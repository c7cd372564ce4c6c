"""REST latency of ``POST /api/v1/chat/messages/`` in process (Django test client, a throw-away
test database with the bundled service catalogue), over the labelled messages in short
conversations, anonymous and signed in.

    .venv/bin/python bench/chat_rest.py [--messages 400]
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python bench/chat_rest.py

Prints one JSON object (target: p95 ≤ 60 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("TESTING", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()
    setup_test_environment()
    settings.CHAT_RATELIMIT = os.environ.get("BENCH_CHAT_RATELIMIT", "1000000/m")  # one client address sends all
    runner = DiscoverRunner(verbosity=0, interactive=False)
    old = runner.setup_databases()
    try:
        from rest_framework.test import APIClient
        from rest_framework_simplejwt.tokens import RefreshToken

        from portal.accounts.models import User
        from services import demo as services_demo
        from tests.eval import chat_eval

        services_demo.load_catalogue()  # the bundled 302 items: service.search answers from them
        from services import search

        search.warm_up()  # the index, and what the semantic reading needs embedded, as a server process has it
        texts = [r["text"] for name in ("chat_messages.tsv", "chat_messages_fresh.tsv")
                 for r in chat_eval.load(name)]
        rng = random.Random(5)
        residents = [User.objects.create(username=f"bench-{i}") for i in range(5)]
        clients = []
        for user in residents:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
            clients.append(client)
        clients += [APIClient() for _ in range(5)]  # anonymous
        warm = APIClient()
        warm.post("/api/v1/chat/messages/", {"text": "你好"}, format="json")  # builds the NLU once
        times = []
        statuses: dict[int, int] = {}
        sessions: dict[int, str | None] = {}
        for i in range(args.messages):
            index = rng.randrange(len(clients))
            if i % 6 == 0:
                sessions[index] = None  # a new conversation now and then
            body = {"text": rng.choice(texts)}
            if sessions.get(index):
                body["session"] = sessions[index]
            start = time.perf_counter()
            response = clients[index].post("/api/v1/chat/messages/", body, format="json")
            times.append((time.perf_counter() - start) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code == 200:
                sessions[index] = response.json()["session"]
        times.sort()
        print(json.dumps({
            "endpoint": "POST /api/v1/chat/messages/",
            "database": settings.DB_VENDOR, "cache": "redis" if settings.REDIS_URL else "locmem",
            "messages": len(times), "statuses": statuses,
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
            "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
            "target_p95_ms": 60,
        }, indent=2))
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
