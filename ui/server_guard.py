"""What the served chat checks before Gradio sees a request (issue 18, items 4 and 12).

`ServerGuard` is an ASGI middleware installed by `ui.app.launch_options`:

- ``POST /login``: a client (IP address) that failed `LOGIN_FREE_FAILURES` times in a row
  is locked out for a time that doubles with each further failure, up to
  `LOGIN_MAX_LOCKOUT_SECONDS`; while locked out every attempt gets 429, even a right one, so
  guessing gains nothing. A user name with spaces around it is refused (Gradio strips it
  before the check, which let ``"user "`` in).
- API calls (``/gradio_api/run|api|call/<name>`` and ``/gradio_api/queue/join``) must send
  exactly as many arguments as the endpoint takes: otherwise a 400 with one line naming
  them, instead of Gradio's ``{"error": null}`` and a traceback in the server log.

`credentials_check` makes the login callable: user name and password compared exactly, in
constant time (`hmac.compare_digest`), against every account.

`expire_idle_sessions` (run every `SESSION_SWEEP_SECONDS` by the `idle_session_sweeper`
lifespan) drops every session unused for `SESSION_IDLE_SECONDS`: Gradio itself keeps each
session's copy of the page's component values until `SESSION_CAPACITY` newer sessions push it
out, and only ever deletes `gr.State` values, so memory grew with every visitor (item 5).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import hmac
import json
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger("corguide.ui")

# Login back-off, per client address. Five free tries cover a mistyped password or two; then
# 1 s, 2 s, 4 s ... doubling, at most 15 minutes, so 200 guesses take days instead of the
# 0.4 s the probe measured. A failure streak is forgotten after an hour without one.
LOGIN_FREE_FAILURES = 5
LOGIN_FIRST_LOCKOUT_SECONDS = 1.0
LOGIN_MAX_LOCKOUT_SECONDS = 900.0
LOGIN_FORGET_SECONDS = 3600.0
LOGIN_TRACKED_CLIENTS = 10_000  # beyond this the oldest streak is dropped (memory stays bounded)
# A login form is two short fields; anything bigger is not a login.
MAX_LOGIN_BODY_BYTES = 16 * 1024

LOGIN_PATH = re.compile(r"/login/?$")
API_PATH = re.compile(r"/gradio_api/(?:run|api|call)/(?P<name>[^/]+)/?$")
JOIN_PATH = re.compile(r"/gradio_api/queue/join/?$")


def _now() -> float:
    """The clock of the login back-off (a function of its own, so a test can move it)."""
    return time.monotonic()


def credentials_check(accounts: list[tuple[str, str]]) -> Callable[[str, str], bool]:
    """The login callable for Gradio: exact, constant-time, every account compared.

    Example:
        >>> check = credentials_check([("owner", "s3cret")])
        >>> check("owner", "s3cret"), check("owner ", "s3cret"), check("owner", "s3cret ")
        (True, False, False)
    """
    encoded = [(user.encode(), password.encode()) for user, password in accounts]

    def check(username: str, password: str) -> bool:
        given_user, given_password = str(username).encode(), str(password).encode()
        matched = False
        for user, secret in encoded:  # no early exit: the time does not say which one matched
            same_user = hmac.compare_digest(given_user, user)
            same_password = hmac.compare_digest(given_password, secret)
            matched |= same_user & same_password
        return matched

    return check


@dataclass
class _Streak:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


class LoginBackoff:
    """Failed logins per client, and how long a client must wait before trying again.

    Example:
        >>> backoff = LoginBackoff(clock=lambda: 100.0)
        >>> for _ in range(LOGIN_FREE_FAILURES):
        ...     backoff.failed("10.0.0.9")
        >>> backoff.wait_seconds("10.0.0.9"), backoff.wait_seconds("10.0.0.8")
        (0.0, 0.0)
        >>> backoff.failed("10.0.0.9"); backoff.wait_seconds("10.0.0.9")
        1.0
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or (lambda: _now())
        self._streaks: OrderedDict[str, _Streak] = OrderedDict()
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> float:
        """Seconds until ``client`` may try again (0 when it may now)."""
        with self._lock:
            streak = self._streaks.get(client)
            return max(0.0, streak.locked_until - self._clock()) if streak else 0.0

    def failed(self, client: str) -> None:
        """Count a failed login; past the free tries, lock the client out for longer each time."""
        now = self._clock()
        with self._lock:
            streak = self._streaks.pop(client, None) or _Streak()
            if now - streak.last_failure > LOGIN_FORGET_SECONDS:
                streak = _Streak()
            streak.failures += 1
            streak.last_failure = now
            extra = streak.failures - LOGIN_FREE_FAILURES
            if extra > 0:
                lockout = LOGIN_FIRST_LOCKOUT_SECONDS * 2 ** min(extra - 1, 32)
                streak.locked_until = now + min(lockout, LOGIN_MAX_LOCKOUT_SECONDS)
            self._streaks[client] = streak
            while len(self._streaks) > LOGIN_TRACKED_CLIENTS:
                self._streaks.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._streaks.pop(client, None)


def _client(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


async def _read_body(receive: Callable, limit: int | None = None) -> bytes | None:
    """The whole request body, or None when it is over ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _signed_in(app: Any, scope: dict[str, Any]) -> bool:
    """Whether the request may use the app: no login configured, or a valid login cookie
    (the test Gradio's own ``get_current_user`` makes)."""
    if getattr(app, "auth_dependency", None) is not None:
        return False  # someone else's login scheme: leave every check to Gradio
    if getattr(app, "auth", None) is None:
        return True
    cookies = Request(scope).cookies
    cookie_id = getattr(app, "cookie_id", "")
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    return token is not None and token in getattr(app, "tokens", {})


def _replay(body: bytes) -> Callable:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def argument_problem(blocks: Any, path: str, body: bytes) -> str | None:
    """Why an API call's arguments do not fit its endpoint, or None when they do (or when
    the call is not one this check knows: Gradio then answers it as usual).

    Example:
        >>> argument_problem(None, "/gradio_api/queue/join", b"not json")
        'the request body must be a JSON object with a "data" list'
    """
    named = API_PATH.search(path)
    try:
        payload = json.loads(body)
    except ValueError:
        return 'the request body must be a JSON object with a "data" list'
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        return 'the request body must be a JSON object with a "data" list'
    fn = _find_fn(blocks, named.group("name") if named else None, payload.get("fn_index"))
    if fn is None:
        return None
    inputs = list(fn.inputs)
    given = len(payload["data"])
    allowed = {len(inputs)}
    if named and "/call/" in path:  # Gradio fills in the inputs outside the API (states) there
        allowed.add(len([b for b in inputs if not getattr(b, "skip_api", False)]))
    if given in allowed:
        return None
    label = f"/{fn.api_name}" if fn.api_name else f"event {fn.name}"
    names = _parameter_names(fn)
    taking = f"{len(inputs)} argument{'s' if len(inputs) != 1 else ''}"
    return f"{label} takes {taking}{f' ({names})' if names else ''}, got {given}"


def _find_fn(blocks: Any, api_name: str | None, fn_index: Any) -> Any:
    if blocks is None:
        return None
    fns = blocks.fns
    if api_name is not None:
        return next((fn for fn in fns.values() if fn.api_name == api_name), None)
    if isinstance(fn_index, int) and not isinstance(fn_index, bool):
        return fns.get(fn_index)
    return None


def _parameter_names(fn: Any) -> str:
    """The parameter names of a `gr.api` endpoint, in order ("" for a UI event)."""
    from gradio.utils import get_function_params

    if not all(type(block).__name__ == "Api" for block in fn.inputs) or fn.fn is None:
        return ""
    return ", ".join(name for name, *_ in get_function_params(fn.fn))


class ServerGuard:
    """ASGI middleware: login back-off and exact user names, and API argument counts."""

    def __init__(self, app: Any, backoff: LoginBackoff | None = None) -> None:
        self.app = app
        self.backoff = backoff or LoginBackoff()

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if LOGIN_PATH.search(path):
            await self._login(scope, receive, send)
        elif API_PATH.search(path) or JOIN_PATH.search(path):
            await self._api_call(scope, receive, send, path)
        else:
            await self.app(scope, receive, send)

    async def _api_call(self, scope: dict, receive: Callable, send: Callable, path: str) -> None:
        body = await _read_body(receive) or b""
        app = scope.get("app")
        # Behind a login, a stranger learns nothing about the endpoints: Gradio answers 401.
        blocks = getattr(app, "blocks", None) if _signed_in(app, scope) else None
        problem = argument_problem(blocks, path, body)
        if problem is not None:
            log.warning("refused an API call: %s", problem)
            await JSONResponse({"error": problem}, status_code=400)(scope, receive, send)
            return
        await self.app(scope, _replay(body), send)

    async def _login(self, scope: dict, receive: Callable, send: Callable) -> None:
        client = _client(scope)
        wait = self.backoff.wait_seconds(client)
        if wait > 0:
            seconds = math.ceil(wait)
            response = JSONResponse(
                {"detail": f"too many failed logins; try again in {seconds} s"},
                status_code=429,
                headers={"Retry-After": str(seconds)},
            )
            await response(scope, receive, send)
            return
        body = await _read_body(receive, MAX_LOGIN_BODY_BYTES)
        if body is None:
            await JSONResponse({"detail": "login form too large"}, status_code=413)(
                scope, receive, send
            )
            return
        form = await Request(scope, _replay(body)).form()
        username = form.get("username")
        if isinstance(username, str) and username != username.strip():
            self.backoff.failed(client)  # Gradio would strip it and let "user " in
            await JSONResponse({"detail": "Incorrect credentials."}, status_code=400)(
                scope, receive, send
            )
            return

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    self.backoff.succeeded(client)
                elif message["status"] in (400, 401):
                    self.backoff.failed(client)
            await send(message)

        await self.app(scope, _replay(body), watch)


# ---- idle sessions ------------------------------------------------------------------------

# A session (one open page, or one gradio_client) unused this long is dropped whole: its chat
# state, its copy of every component's value. The page still shows its chat and its panel
# (sent with each question), so a returning owner loses only the vote buttons on old answers.
SESSION_IDLE_SECONDS = 1800.0
SESSION_SWEEP_SECONDS = 60.0
# Gradio's default keeps 10,000 sessions. A fresh session of this page measured 391 KB here
# (tracemalloc over 200 sessions: each holds its own copy of the page's config), so 10,000
# would be 3.8 GB; 250 are about 95 MB. Beyond it the least recently used session goes first.
SESSION_CAPACITY = 250


def expire_idle_sessions(
    state_holder: Any,
    idle_seconds: float = SESSION_IDLE_SECONDS,
    now: datetime.datetime | None = None,
) -> int:
    """Drop every session of a Gradio ``StateHolder`` unused for ``idle_seconds``; how many.

    Each dropped session's ``gr.State`` values get their delete callbacks, as Gradio's own
    expiry does.
    """
    now = now or datetime.datetime.now()
    with state_holder.lock:
        last_used = list(state_holder.time_last_used.items())
        stale = [sid for sid, used in last_used if (now - used).total_seconds() > idle_seconds]
        dropped = []
        for session_id in stale:
            state_holder.time_last_used.pop(session_id, None)
            session = state_holder.session_data.pop(session_id, None)
            if session is not None:
                dropped.append(session)
    for session in dropped:
        for component, value, _expired in session.state_components:
            component.delete_callback(value)
    return len(stale)


@contextlib.asynccontextmanager
async def idle_session_sweeper(app: Any) -> AsyncIterator[None]:
    """A FastAPI lifespan: sweep idle sessions every `SESSION_SWEEP_SECONDS` while serving."""

    async def sweep() -> None:
        while True:
            await asyncio.sleep(SESSION_SWEEP_SECONDS)
            try:
                dropped = expire_idle_sessions(app.state_holder)
            except Exception:  # a failed sweep must not end the sweeping; the log says why
                log.exception("sweeping idle sessions failed")
                continue
            if dropped:
                log.info("dropped %d idle chat sessions", dropped)

    task = asyncio.create_task(sweep())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
