"""What a page makes a browser load: the resources its HTML links (stylesheets, scripts,
images, icons, preloads, the manifest). Used for the page weight by proof/performance.py and
bench/web.py."""

from __future__ import annotations

from html.parser import HTMLParser


class AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []
        self.declares_icon = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "link":
            rel = a.get("rel", "").lower().split()
            if "icon" in rel:
                self.declares_icon = True
            if {"stylesheet", "icon", "preload", "modulepreload", "manifest"} & set(rel):
                self.assets.append(("link:" + "/".join(rel), a.get("href", "")))
        elif tag in ("script", "img", "source", "audio", "video", "iframe") and a.get("src"):
            self.assets.append((tag, a["src"]))
        elif tag == "input" and a.get("type") == "image" and a.get("src"):
            self.assets.append(("input", a["src"]))
