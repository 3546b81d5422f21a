"""Render an email's HTML in headless Chromium: measure overflow and take a screenshot.

Debian's ``chromium`` package is the browser (CI installs it: ``apt-get install -y
chromium``); the flags are the ones API_NOTES.md gives for a headless run in a container.
One browser serves every page: the test drives it over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: commands on fd 3, replies on fd 4, NUL-separated JSON),
which needs no port and no extra package.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
TIMEOUT_S = 60.0
# The page's widths and every element whose box leaves the viewport sideways.
PROBE = """(() => {
  const vw = document.documentElement.clientWidth, over = [];
  document.querySelectorAll("body *").forEach((el) => {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > vw + 0.5 || r.left < -0.5)) {
      over.push(el.tagName + " " + Math.round(r.left) + ".." + Math.round(r.right));
    }
  });
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: vw,
          height: document.documentElement.scrollHeight, over: over.slice(0, 20),
          images: Array.from(document.images).map((i) => i.complete && i.naturalWidth > 0)};
})()"""


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "Chromium is not installed: apt-get update && apt-get install -y chromium",
            pytrace=False,
        )
    return path


class Browser:
    """One headless Chromium and one tab, driven over the DevTools pipe."""

    def __init__(self) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="cp-chromium-")
        cmd_read, self._cmd = os.pipe()
        self._res, res_write = os.pipe()

        def wire() -> None:  # in the child: the protocol's fixed descriptors
            os.dup2(cmd_read, 3)
            os.dup2(res_write, 4)

        self._proc = subprocess.Popen(
            [
                chromium(),
                *FLAGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile.name}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # the test process starts no threads of its own here
            pass_fds=(3, 4),
        )
        os.close(cmd_read)
        os.close(res_write)
        self._buf = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable", session=True)

    def _send(self, message: dict[str, Any]) -> None:
        os.write(self._cmd, json.dumps(message).encode() + b"\0")

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._res], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._res, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        self._send(message)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._events.append(reply)

    def _wait_for(self, event: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for i, e in enumerate(self._events):
                if e.get("method") == event:
                    del self._events[: i + 1]
                    return
            self._events.append(self._receive(deadline))

    def open(self, page: Path, width: int, height: int = 900) -> None:
        """Load ``page`` in a viewport ``width`` CSS pixels wide (desktop, scale 1)."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        self._events.clear()
        self.call("Page.navigate", session=True, url=page.as_uri())
        self._wait_for("Page.loadEventFired")

    def probe(self) -> dict[str, Any]:
        result = self.call("Runtime.evaluate", session=True, expression=PROBE, returnByValue=True)
        value: dict[str, Any] = result["result"]["value"]
        return value

    def screenshot(self, png: Path, width: int, height: int) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = self.call("Page.captureScreenshot", session=True, format="png")
        png.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self._send({"id": self._next + 1, "method": "Browser.close"})
            self._proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        finally:
            os.close(self._cmd)
            os.close(self._res)
            self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
