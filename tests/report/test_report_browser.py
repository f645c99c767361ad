"""Open the HTML report in headless Chromium and check that every image loaded.

Needs Debian's ``chromium`` (``apt-get install -y chromium``; ``.ci/run`` installs it). Without
it the test is skipped locally, but fails when ``CI=true``: CI must run it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")

# appended to a *copy* of the report (the report itself has no scripts): after load, write
# what every <img> did into the DOM, which --dump-dom then prints
_PROBE = """
<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var out = imgs.map(function (im) {
    return {id: im.closest("figure") ? im.closest("figure").id : "",
            complete: im.complete, w: im.naturalWidth, h: im.naturalHeight};
  });
  var pre = document.createElement("pre");
  pre.id = "img-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_or_skip() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("headless Chromium is required in CI (apt-get install -y chromium)")
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    return path


def chromium_args(binary: str, profile: Path) -> list[str]:
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ]


@pytest.fixture(scope="module")
def report_dir(report) -> Path:
    return report.out_dir


def test_every_image_loads_in_chromium(report_dir, tmp_path):
    binary = chromium_or_skip()
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    n_img = len(re.findall(r"<img\b", html))
    assert n_img >= 10
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    cmd = chromium_args(binary, tmp_path / "profile") + [
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe.as_uri(),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    m = re.search(r'<pre id="img-probe">(.*?)</pre>', r.stdout, re.S)
    assert m, "probe result not found in the dumped DOM:\n" + r.stderr[-2000:]
    images = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(images) == n_img
    for im in images:
        assert im["complete"] and im["w"] > 0 and im["h"] > 0, im


def test_screenshot_renders(report_dir, tmp_path):
    binary = chromium_or_skip()
    shot = tmp_path / "shot.png"
    cmd = chromium_args(binary, tmp_path / "profile") + [
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        "--hide-scrollbars",
        (report_dir / "report.html").as_uri(),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_missing_chromium_fails_in_ci_and_skips_locally(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium_or_skip()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        chromium_or_skip()
