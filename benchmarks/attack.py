"""Anonymous clients sending hostile documents in a closed loop, in a process of their own.

`python -m benchmarks.attack plan.json result.json` reads {"url", "seconds",
"clients": [[document, ...], ...]}: one thread per client, each posting its
documents in turn (no Authorization header) until the time is up; with
"fresh_addresses": true each request carries an X-Forwarded-For address of its
own (attackers with many addresses, behind a proxy the server trusts). It writes
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


def post(
    url: str, document: str, timeout: float = 30, address: str | None = None
) -> tuple[int, str, float, int]:
    """POST one document; (HTTP status, first error code or "", seconds, response bytes)."""
    body = json.dumps({"query": document}).encode()
    headers = {"Content-Type": "application/json"}
    if address:
        headers["X-Forwarded-For"] = address
    outgoing = urllib.request.Request(  # noqa: S310 (a loopback URL from the plan)
        url, data=body, headers=headers
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


def attack(
    url: str, clients: list[list[str]], seconds: float, fresh_addresses: bool = False
) -> list[tuple]:
    """Run one thread per client for `seconds`; every answer they got."""
    answers: list[tuple] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(client: int, documents: list[str]) -> None:
        index = 0
        while time.monotonic() < deadline:
            # 172.16.0.0/12: one block per client, a new address per request.
            address = f"172.{16 + client}.{index // 256 % 256}.{index % 256}"
            answer = post(
                url, documents[index % len(documents)], address=address if fresh_addresses else None
            )
            index += 1
            with lock:
                answers.append(answer)

    threads = [
        threading.Thread(target=run, args=(number, documents))
        for number, documents in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main(plan_path: str, result_path: str) -> None:
    with open(plan_path, encoding="utf-8") as plan_file:
        plan = json.load(plan_file)
    answers = attack(
        plan["url"], plan["clients"], plan["seconds"], plan.get("fresh_addresses", False)
    )
    with open(result_path, "w", encoding="utf-8") as result_file:
        json.dump({"answers": answers}, result_file)


if __name__ == "__main__":
    main(*sys.argv[1:3])
