"""Editor HTML, cleaned with nh3 (the maintained successor of bleach) to a small allow-list.

No images, styles, scripts, frames or forms survive, so no resource from another host can be
loaded by a page; links may point only to http(s), mailto and tel addresses and get
rel="noopener noreferrer".
"""

import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "h2", "h3", "a", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(html: str) -> str:
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
