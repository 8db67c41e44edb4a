"""deploy/nginx.conf.template and deploy/nginx.conf: nginx accepts them as the proof renders
them, and what holds off slow and greedy clients is there (issue 13).

No stack: the configuration is rendered into a temporary directory and checked with `nginx -t`
(Debian's nginx, which CI installs).
"""

import re
from pathlib import Path

import pytest
import yaml

from proof import stack as stack_module
from proof.stack import (
    NGINX_MAIN,
    NGINX_TEMPLATE,
    ROOT,
    Stack,
    find_program,
    make_authority,
    nginx_main_settings,
    nginx_test,
    render_nginx,
)

PLACEHOLDERS = sorted(set(re.findall(r"\$\{(\w+)\}", NGINX_TEMPLATE.read_text())))


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> dict:
    return make_authority(tmp_path_factory.mktemp("tls"))


def values(directory: Path, tls: dict, site_listen: str = "127.0.0.1:18443 ssl") -> dict:
    return {"UPSTREAM": "127.0.0.1:18000", "HTTP_LISTEN": "127.0.0.1:18080",
            "SITE_LISTEN": site_listen, "SERVER_NAME": "help.example.org",
            "TLS_CERT": str(tls["cert"]), "TLS_KEY": str(tls["key"]),
            "TLS_TRUSTED": str(tls["ca"]), "RESOLVER": "127.0.0.1",
            "CACHE_DIR": str(directory / "cache"), "STATIC_ROOT": str(directory / "static")}


def site(tmp_path: Path, tls: dict, **kwargs) -> str:
    """The rendered template without its comments."""
    render_nginx(tmp_path, values(tmp_path, tls), **kwargs)
    return re.sub(r"#[^\n]*", "", (tmp_path / "site.conf").read_text())


def locations(text: str) -> dict[str, str]:
    """location -> its body (the template's locations hold no nested blocks)."""
    return {match[1].strip(): match[2] for match in re.finditer(
        r"^\s*location\s+([^{]+)\{([^}]*)\}", text, re.MULTILINE)}


def test_nginx_accepts_the_proofs_configuration(tmp_path, tls):
    stack = Stack(tmp_path, http_port=18080, https_port=18443)
    stack.tls = tls
    (tmp_path / "nginx").mkdir()
    conf = stack._render_nginx()
    nginx_test(find_program("nginx"), tmp_path / "nginx", conf)


def test_nginx_accepts_the_plain_http_variant_of_the_bench(tmp_path, tls):
    render_nginx(tmp_path, values(tmp_path, tls, site_listen="127.0.0.1:18444"),
                 image_access_log=True)
    nginx_test(find_program("nginx"), tmp_path, tmp_path / "nginx.conf")


def test_the_port_80_redirect_names_the_configured_server_not_the_requests_host(tmp_path, tls):
    text = site(tmp_path, tls)
    assert "return 301 https://help.example.org$request_uri;" in text
    assert "https://$host" not in text and "$http_host" not in text


def test_every_location_that_reaches_the_app_is_limited_and_static_files_are_not(tmp_path, tls):
    found = locations(site(tmp_path, tls))
    proxied = {name: body for name, body in found.items() if "proxy_pass" in body}
    assert set(proxied) == {"/", "= /", "/staff/", "= /healthz"}
    for name, body in proxied.items():
        assert "limit_conn helpportal_conn" in body, name
        assert "limit_req zone=helpportal_req" in body, name
        assert "limit_req zone=helpportal_post" in body, name
    assert "limit_" not in found["/static/"]


def test_limits_refuse_with_429_and_log_below_every_error_log(tmp_path, tls):
    text = site(tmp_path, tls)
    assert "limit_req_status 429;" in text and "limit_conn_status 429;" in text
    assert "error_page 429 @too_many;" in text
    levels = ("debug", "info", "notice", "warn", "error", "crit", "alert", "emerg")
    logged = re.findall(r"^\s*error_log\s+\S+\s+(\w+);", text, re.MULTILINE)
    assert logged and all(level == "crit" for level in logged)
    for directive in ("limit_req_log_level", "limit_conn_log_level"):
        level = re.search(rf"^{directive}\s+(\w+);", text, re.MULTILINE)[1]
        assert levels.index(level) < levels.index("crit"), directive


def test_loopback_is_the_only_address_not_counted(tmp_path, tls):
    geo = re.search(r"geo \$helpportal_uncounted \{([^}]*)\}", site(tmp_path, tls))[1]
    entries = [line.split() for line in geo.splitlines()]
    assert sorted(entry for entry in entries if entry) == sorted(
        [["default", "0;"], ["127.0.0.0/8", "1;"], ["::1", "1;"]])


def test_slow_clients_are_cut_off_within_seconds(tmp_path, tls):
    text = site(tmp_path, tls)
    for directive in ("client_header_timeout", "client_body_timeout", "send_timeout",
                      "keepalive_timeout"):
        seconds = int(re.search(rf"^{directive}\s+(\d+)s;", text, re.MULTILINE)[1])
        assert seconds <= 15, directive
    assert "reset_timedout_connection on;" in text


def test_refusals_tell_people_that_back_usually_still_has_their_words(tmp_path, tls):
    found = locations(site(tmp_path, tls))
    for name, status in (("@too_many", "429"), ("@unavailable", "503")):
        answer = re.search(rf'return {status} "([^"]*)"', found[name])[1]
        assert "going Back in your browser usually still shows what you wrote" in answer


def test_http2_on_becomes_a_listen_parameter_before_nginx_1_25_1(tmp_path, tls, monkeypatch):
    monkeypatch.setattr(stack_module, "nginx_version", lambda nginx: (1, 22, 1))
    text = site(tmp_path, tls, nginx="nginx")
    assert "http2 on;" not in text
    assert "listen 127.0.0.1:18443 ssl http2;" in text
    assert "listen 127.0.0.1:18080;" in text  # the plain redirect server stays HTTP/1.1


def test_http2_on_stays_from_nginx_1_25_1(tmp_path, tls, monkeypatch):
    monkeypatch.setattr(stack_module, "nginx_version", lambda nginx: (1, 27, 5))
    text = site(tmp_path, tls, nginx="nginx")
    assert "http2 on;" in text and "ssl http2" not in text


def test_the_plain_http_variant_gets_no_http2_on_old_nginx(tmp_path, tls, monkeypatch):
    monkeypatch.setattr(stack_module, "nginx_version", lambda nginx: (1, 22, 1))
    render_nginx(tmp_path, values(tmp_path, tls, site_listen="127.0.0.1:18444"), nginx="nginx")
    assert "http2" not in re.sub(r"#[^\n]*", "", (tmp_path / "site.conf").read_text())


def test_the_generated_main_config_has_productions_events_and_workers(tmp_path, tls):
    production = nginx_main_settings()
    main = (tmp_path / "nginx.conf")
    render_nginx(tmp_path, values(tmp_path, tls))
    text = main.read_text()
    assert f"events {{ {production['events']} }}" in text
    assert f"worker_processes {production['worker_processes']};" in text
    assert "worker_connections 1024" not in re.sub(r"\s+", " ", text)
    assert int(re.search(r"worker_connections\s+(\d+);", production["events"])[1]) >= 8192


def test_compose_fills_every_placeholder_and_raises_the_descriptor_limit():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    nginx = compose["services"]["nginx"]
    assert sorted(set(PLACEHOLDERS) - set(nginx["environment"])) == []
    assert f"./deploy/{NGINX_MAIN.name}:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    settings = nginx_main_settings()
    connections = int(re.search(r"worker_connections\s+(\d+);", settings["events"])[1])
    assert connections < int(settings["worker_rlimit_nofile"])
    assert int(settings["worker_rlimit_nofile"]) <= nginx["ulimits"]["nofile"]["soft"]
    assert "include /etc/nginx/conf.d/*.conf;" in NGINX_MAIN.read_text()
