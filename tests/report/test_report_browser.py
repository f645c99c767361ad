"""Open the HTML report in headless Chromium and check that every image loaded.

Needs Debian's ``chromium`` (``apt-get install -y chromium``; ``.ci/run`` installs it). Without
it the test is skipped locally, but fails when ``CI=true``: CI must run it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.report.browser import chromium, chromium_or_skip

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


@pytest.fixture(scope="module")
def report_dir(report) -> Path:
    return report.out_dir


def test_every_image_loads_in_chromium(report_dir, tmp_path):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    n_img = len(re.findall(r"<img\b", html))
    assert n_img >= 10
    probe = tmp_path / "probe.html"
    probe.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    r = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    m = re.search(r'<pre id="img-probe">(.*?)</pre>', r.stdout, re.S)
    assert m, "probe result not found in the dumped DOM:\n" + r.stderr[-2000:]
    images = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert len(images) == n_img
    for im in images:
        assert im["complete"] and im["w"] > 0 and im["h"] > 0, im


def test_screenshot_renders(report_dir, tmp_path):
    shot = tmp_path / "shot.png"
    chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        (report_dir / "report.html").as_uri(),
    )
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
