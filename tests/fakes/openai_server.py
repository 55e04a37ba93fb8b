"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests.

It serves ``POST /v1/chat/completions`` from a background thread (stdlib
``ThreadingHTTPServer`` on an ephemeral port), records every request and answers from a
queue of scripted replies, then with ``default_text`` once the queue is empty::

    with FakeChatServer() as server:              # or: server = FakeChatServer().start()
        server.script(HttpError(500), "The limit is 45 percent [1].")
        backend = OpenAICompatibleBackend(LlmSection(base_url=server.url, ...))
        backend.generate(question, sources)
        assert len(server.requests) == 2
        assert "<PERSON_1>" in server.requests[-1].text

As a pytest fixture::

    @pytest.fixture
    def chat_server() -> Iterator[FakeChatServer]:
        with FakeChatServer() as server:
            yield server

Replies: a ``str`` (or ``Text``) is a normal completion; ``HttpError(status)`` an
OpenAI-style error; ``Delay(seconds, then)`` waits before answering (use it to outlast a
client timeout); ``Malformed(body)`` a 200 whose body is not a chat completion.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Text:
    """A normal chat completion whose message content is ``content``."""

    content: str


@dataclass(frozen=True)
class HttpError:
    """An HTTP error status with an OpenAI-style ``{"error": {...}}`` body."""

    status: int
    message: str = "scripted error"


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` (cut short by ``stop()``), then answer with ``then``."""

    seconds: float
    then: Text | HttpError | Malformed | None = None
    """``None``: the default text."""


@dataclass(frozen=True)
class Malformed:
    """A 200 answer whose body is not a chat completion (truncated JSON by default)."""

    body: bytes | str = b'{"id": "chatcmpl-fake", "choices": [{"message": '
    """Sent as is (a ``str`` is UTF-8 encoded)."""
    content_type: str = "application/json"


Reply = str | Text | HttpError | Delay | Malformed


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: Any
    """The parsed JSON body (``None`` when it was not JSON)."""
    received_at: float
    """``time.monotonic()`` when the request arrived."""
    raw: bytes = field(repr=False, default=b"")

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages sent (empty when the body has none)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return self.body["messages"]
        return []

    @property
    def text(self) -> str:
        """Every message's content joined: all the text the model would have seen."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


class FakeChatServer:
    """An OpenAI-compatible ``/v1/chat/completions`` server on 127.0.0.1.

    ``url`` is the base URL to configure a client with (ending in ``/v1``); ``requests``
    lists what was received, oldest first; ``script(*replies)`` queues replies.
    """

    def __init__(self, default_text: str = "The answer is in the source [1].") -> None:
        self.default_text = default_text
        self._replies: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> FakeChatServer:
        """Bind an ephemeral loopback port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        httpd.daemon_threads = True
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; pending ``Delay`` replies are cut short."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- scripting and inspection ------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321/v1``."""
        if self._httpd is None:
            raise RuntimeError("the fake chat server is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def script(self, *replies: Reply) -> FakeChatServer:
        """Queue replies, answered in order by the next requests."""
        with self._lock:
            self._replies.extend(replies)
        return self

    def reset(self) -> None:
        """Forget recorded requests and queued replies."""
        with self._lock:
            self._requests.clear()
            self._replies.clear()

    def _receive(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            return self._replies.popleft() if self._replies else self.default_text


def completion(content: str, model: str = "fake-model") -> dict[str, Any]:
    """A minimal but complete ``chat.completion`` object."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def _handler_for(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body: Any = json.loads(raw) if raw else None
            except ValueError:
                body = None
            request = RecordedRequest(
                method="POST",
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                received_at=time.monotonic(),
                raw=raw,
            )
            if self.path.rstrip("/") != CHAT_PATH:
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            reply = server._receive(request)
            model = body.get("model", "fake-model") if isinstance(body, dict) else "fake-model"
            self._reply(reply, model)

        def _reply(self, reply: Reply, model: str) -> None:
            if isinstance(reply, Delay):
                if server._stopping.wait(reply.seconds):
                    return
                reply = reply.then if reply.then is not None else server.default_text
            if isinstance(reply, str):
                reply = Text(reply)
            if isinstance(reply, Text):
                self._send(200, completion(reply.content, model))
            elif isinstance(reply, HttpError):
                error = {"message": reply.message, "type": "fake_error", "code": reply.status}
                self._send(reply.status, {"error": error})
            elif isinstance(reply, Malformed):
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self._send_bytes(200, body, reply.content_type)

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            self._send_bytes(status, json.dumps(payload).encode(), "application/json")

        def _send_bytes(self, status: int, data: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timed out) before the answer came

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler
