"""Editor HTML, cleaned with nh3 (the maintained successor of bleach) to a small allow-list.

No images, styles, scripts, frames or forms survive, so no resource from another host can be
loaded by a page; links may point only to http(s), mailto and tel addresses and get
rel="noopener noreferrer".
"""

import re

import nh3

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "h2", "h3", "a", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}


# What pasted Word and web HTML says in tags this list does not keep, said in tags it keeps:
# bold and italic as strong and em, any other heading as h2 or h3. Only the tag's name
# changes; nh3 then cleans the result like any other input.
RENAMED = {"b": "strong", "i": "em", "h1": "h2", "h4": "h3", "h5": "h3", "h6": "h3"}
_RENAMED_TAG = re.compile(r"<(/?)(b|i|h1|h4|h5|h6)(?=[\s/>])", re.IGNORECASE)


def sanitize_html(html: str) -> str:
    if not html:
        return ""
    html = _RENAMED_TAG.sub(lambda tag: f"<{tag[1]}{RENAMED[tag[2].lower()]}", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
