"""Anonymous clients sending hostile documents in a closed loop, in a process of their own.

`python -m benchmarks.attack plan.json result.json` reads {"url", "seconds",
"clients": [[document, ...], ...]}: one thread per client, each posting its
documents in turn (no Authorization header) until the time is up. It writes
{"answers": [[status, code, seconds, bytes], ...]}. No Django here: the
attackers run beside the server without importing it, so what they cost the
machine is only what a client costs.
"""

import json
import sys
import threading
import time
import urllib.error
import urllib.request


def post(url: str, document: str, timeout: float = 30) -> tuple[int, str, float, int]:
    """POST one document; (HTTP status, first error code or "", seconds, response bytes)."""
    body = json.dumps({"query": document}).encode()
    outgoing = urllib.request.Request(  # noqa: S310 (a loopback URL from the plan)
        url, data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    elapsed = time.perf_counter() - started
    try:
        errors = json.loads(raw).get("errors") or []
        code = (errors[0].get("extensions") or {}).get("code", "NO_CODE") if errors else ""
    except (ValueError, AttributeError):
        code = "NOT_JSON"
    return status, code, elapsed, len(raw)


def attack(url: str, clients: list[list[str]], seconds: float) -> list[tuple]:
    """Run one thread per client for `seconds`; every answer they got."""
    answers: list[tuple] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(documents: list[str]) -> None:
        index = 0
        while time.monotonic() < deadline:
            answer = post(url, documents[index % len(documents)])
            index += 1
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=run, args=(documents,)) for documents in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main(plan_path: str, result_path: str) -> None:
    with open(plan_path, encoding="utf-8") as plan_file:
        plan = json.load(plan_file)
    answers = attack(plan["url"], plan["clients"], plan["seconds"])
    with open(result_path, "w", encoding="utf-8") as result_file:
        json.dump({"answers": answers}, result_file)


if __name__ == "__main__":
    main(*sys.argv[1:3])
