#!/usr/bin/python3
"""Builds rampart's benign corpus: realistic requests that no WAF should block.

The requests are go-ftw YAML tests (the layout `rampart replay` reads, docs/replay.md), each
expecting status 200 from an echo upstream. They are generated, deterministically (fixed seed),
from text that Debian packages ship, so the repository keeps this script and no downloaded or
copied text:
  wamerican, wfrench, wngerman, wspanish   word lists (/usr/share/dict): names, non-ASCII words
  fortunes-min                             prose with apostrophes, quotes, punctuation
  base-files                               /usr/share/common-licenses: long legal prose
  (the packages in CHANGELOG_PACKAGES)     /usr/share/doc/*/changelog.Debian.gz, oldest entries:
                                           technical prose naming SQL, shell, CVEs, paths
  python3.11                               /usr/lib/python3.11/*.py: code snippets
scripts/install-deps.sh installs the word lists and fortunes.

Shapes (see SHAPES below): REST/JSON calls with free text, search GETs, login and contact forms,
multipart uploads, GraphQL queries, CMS posts with HTML, comments with code snippets, API calls
with bearer tokens and cookies, non-ASCII names, URLs and e-mail addresses in fields.

usage: scripts/build-benign-corpus.py [--out DIR] [--count N] [--seed S]
"""

from __future__ import annotations

import argparse
import base64
import bisect
import glob
import gzip
import hashlib
import json
import os
import random
import re
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------------------------
# Text sources
# ---------------------------------------------------------------------------------------------

def read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return [line.rstrip("\n") for line in f]
    except OSError:
        return []


def load_words(path: str, limit: int = 20000) -> list[str]:
    words = [w for w in read_lines(path) if w and "'" not in w and len(w) < 16]
    return words[:: max(1, len(words) // limit)]


def load_fortunes() -> list[str]:
    out = []
    for name in ("fortunes", "literature", "riddles"):
        text = "\n".join(read_lines(f"/usr/share/games/fortunes/{name}"))
        for chunk in text.split("\n%\n"):
            # Some fortunes underline with backspaces (`__\b\b`), terminal formatting that no
            # browser form or API client sends; rampart refuses control bytes in form values.
            chunk = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", chunk)
            chunk = " ".join(chunk.split())
            if 20 <= len(chunk) <= 400:
                out.append(chunk)
    return out


def load_license_sentences() -> list[str]:
    out = []
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        text = " ".join(" ".join(read_lines(path)).split())
        out += [s.strip() for s in re.split(r"(?<=[.;])\s+", text) if 30 <= len(s) <= 300]
    return out


# Debian changelogs of packages scripts/install-deps.sh installs (one per source package), so
# the corpus is the same on every machine set up with it: the set of all installed changelogs
# differs from machine to machine, and with it the corpus and its false-positive rate.
CHANGELOG_PACKAGES = (
    "libmodsecurity3", "modsecurity-crs", "libhyperscan5", "libnghttp2-14", "nghttp2-client",
    "libssl3", "redis-server", "curl", "python3.11", "libxml2", "libyaml-cpp0.7", "libev4",
    "nginx-light", "chromium", "sqlmap", "wamerican", "wfrench", "wngerman", "fortunes-min",
    "libhiredis0.14", "libmaxminddb0", "libmaxmind-db-writer-perl", "catch2", "clang-14",
    "cmake", "ninja-build", "git", "gcc-12", "libc6", "perl", "python3-pytest", "python3-h2",
    "python3-httpx", "python3-requests", "wget", "ffuf", "procps", "iproute2", "psmisc",
    "pkg-config", "libjemalloc2", "wrk", "linux-perf",
)


def load_changelog_lines(oldest_lines: int = 200) -> list[str]:
    """The entries among the oldest lines of each changelog: a package update adds entries at
    the top, so these stay the same from version to version."""
    out = []
    for package in CHANGELOG_PACKAGES:
        path = f"/usr/share/doc/{package}/changelog.Debian.gz"
        if not os.path.exists(path):
            sys.exit(f"missing text source: {path} (run scripts/install-deps.sh)")
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()[-oldest_lines:]
        except (OSError, EOFError):
            continue
        for line in lines:
            line = line.strip()
            if line.startswith(("* ", "- ")) and 20 <= len(line) <= 200:
                out.append(line[2:])
    return out


def load_code_snippets() -> list[str]:
    out = []
    for path in sorted(glob.glob("/usr/lib/python3.11/*.py")):
        lines = read_lines(path)
        for i, line in enumerate(lines):
            if line.startswith("def "):
                block = [line]
                for nxt in lines[i + 1:i + 8]:
                    if nxt and not nxt.startswith((" ", "\t")):
                        break
                    block.append(nxt)
                snippet = "\n".join(block).strip()
                if 40 <= len(snippet) <= 600:
                    out.append(snippet)
    return out


class StablePool:
    """Items that a package update may change (changelog entries, standard-library code), picked
    by consistent hashing: each pick draws 64 random bits whatever the pool's size, and lands on
    the item whose hash follows them. An update that adds or drops a few items then changes only
    the picks that land on those, not every pick after it (random.choice draws a size-dependent
    number of bits, so one more item would shift the whole corpus)."""

    def __init__(self, items: list[str]):
        keyed = sorted({(int.from_bytes(hashlib.sha256(item.encode()).digest()[:8], "big"), item)
                        for item in items})
        self.keys = [key for key, _ in keyed]
        self.items = [item for _, item in keyed]

    def __bool__(self) -> bool:
        return bool(self.items)

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_left(self.keys, rng.getrandbits(64)) % len(self.items)]


class Text:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.english = load_words("/usr/share/dict/american-english")
        self.foreign = (load_words("/usr/share/dict/french", 5000) +
                        load_words("/usr/share/dict/ngerman", 5000) +
                        load_words("/usr/share/dict/spanish", 5000))
        self.fortunes = load_fortunes()
        self.legal = load_license_sentences()
        self.changelog = StablePool(load_changelog_lines())
        self.code = StablePool(load_code_snippets())
        missing = [n for n, v in (("american-english", self.english), ("fortunes", self.fortunes),
                                  ("common-licenses", self.legal), ("changelogs", self.changelog),
                                  ("python3.11", self.code)) if not v]
        if missing or not self.foreign:
            sys.exit(f"missing text sources: {missing or ['foreign word lists']} "
                     "(run scripts/install-deps.sh)")

    def pick(self, seq):
        if isinstance(seq, StablePool):
            return seq.pick(self.rng)
        return self.rng.choice(seq)

    def word(self) -> str:
        return self.pick(self.english).lower()

    def words(self, n: int) -> str:
        return " ".join(self.word() for _ in range(n))

    def name(self) -> str:
        pool = self.foreign if self.rng.random() < 0.5 else self.english
        first = self.pick(pool).capitalize()
        last = self.pick(pool).capitalize()
        return f"{first} {last}" if self.rng.random() < 0.8 else f"{first} O'{last}"

    def email(self) -> str:
        user = re.sub(r"[^a-z0-9]", "", self.word()) or "user"
        return f"{user}.{self.rng.randint(1, 999)}@{self.pick(['example.com', 'mail.example.org', 'corp.example.net'])}"

    def url(self) -> str:
        path = "/".join(re.sub(r"[^a-z0-9-]", "", self.word()) or "page" for _ in range(self.rng.randint(1, 3)))
        host = self.pick(["www.example.com", "docs.example.org", "blog.example.net", "cdn.example.com"])
        query = f"?ref={self.word()}&lang=en" if self.rng.random() < 0.3 else ""
        return f"https://{host}/{path}{query}"

    def prose(self) -> str:
        source = self.rng.random()
        if source < 0.45:
            return self.pick(self.fortunes)
        if source < 0.75:
            return self.pick(self.changelog)
        return self.pick(self.legal)

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.prose() for _ in range(sentences))

    def html(self) -> str:
        parts = [f"<h2>{self.words(4).title()}</h2>", f"<p>{self.prose()}</p>"]
        if self.rng.random() < 0.6:
            parts.append(f'<p>See <a href="{self.url()}">{self.words(3)}</a> for details.</p>')
        if self.rng.random() < 0.5:
            items = "".join(f"<li>{self.words(3)}</li>" for _ in range(self.rng.randint(2, 5)))
            parts.append(f"<ul>{items}</ul>")
        if self.rng.random() < 0.4:
            parts.append(f'<p><img src="/media/{self.word()}.jpg" alt="{self.words(2)}" width="640"></p>')
        if self.rng.random() < 0.4:
            parts.append(f"<blockquote><em>{self.prose()}</em></blockquote>")
        parts.append(f"<p><strong>{self.words(2)}</strong> {self.prose()}</p>")
        return "".join(parts)

    def token(self, n: int = 32) -> str:
        raw = bytes(self.rng.getrandbits(8) for _ in range(n))
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def jwt(self) -> str:
        head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        body = base64.urlsafe_b64encode(json.dumps(
            {"sub": str(self.rng.randint(1000, 99999)), "scope": "read write",
             "exp": 1795000000 + self.rng.randint(0, 10 ** 6)}).encode()).decode().rstrip("=")
        return f"{head}.{body}.{self.token(32)}"


# ---------------------------------------------------------------------------------------------
# Request shapes
# ---------------------------------------------------------------------------------------------

BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
]
API_CLIENTS = ["okhttp/4.12.0", "axios/1.7.7", "Go-http-client/2.0", "python-httpx/0.27.2",
               "MyApp/3.4.1 (Android 14; Pixel 8)"]


def browser_headers(t: Text, accept: str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8") -> list:
    return [("User-Agent", t.pick(BROWSERS)), ("Accept", accept),
            ("Accept-Language", t.pick(["en-US,en;q=0.9", "de-DE,de;q=0.9,en;q=0.8", "fr-FR,fr;q=0.9",
                                        "es-ES,es;q=0.8,en;q=0.5"])),
            ("Accept-Encoding", "gzip, deflate, br"),
            ("Cookie", f"session={t.token(24)}; csrftoken={t.token(16)}; theme={t.pick(['dark', 'light'])}")]


def api_headers(t: Text) -> list:
    return [("User-Agent", t.pick(API_CLIENTS)), ("Accept", "application/json"),
            ("Authorization", f"Bearer {t.jwt()}"),
            ("X-Request-Source", t.pick(["mobile", "web", "partner"]))]


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def form(fields: list) -> str:
    return "&".join(f"{urllib.parse.quote_plus(k)}={urllib.parse.quote_plus(v)}" for k, v in fields)


def json_comment(t: Text):
    body = {"title": t.words(t.rng.randint(3, 8)).capitalize(), "body": t.paragraph(t.rng.randint(1, 3)),
            "author": {"name": t.name(), "email": t.email()},
            "tags": [t.word() for _ in range(t.rng.randint(0, 4))],
            "rating": t.rng.randint(1, 5), "published": t.rng.random() < 0.7}
    rid = t.rng.randint(1, 99999)
    method, uri = t.pick([("POST", "/api/v1/comments"), ("PUT", f"/api/v1/comments/{rid}"),
                          ("PATCH", f"/api/v1/posts/{rid}")])
    return method, uri, api_headers(t) + [("Content-Type", "application/json")], json.dumps(body, ensure_ascii=t.rng.random() < 0.3)


def json_profile(t: Text):
    body = {"displayName": t.name(), "bio": t.prose(), "website": t.url(), "email": t.email(),
            "location": {"city": t.pick(t.foreign).capitalize(), "country": t.pick(["DE", "FR", "ES", "US", "GB"])},
            "preferences": {"newsletter": t.rng.random() < 0.5, "language": t.pick(["en", "de", "fr", "es"])}}
    return "PUT", f"/api/v2/users/{t.rng.randint(1, 10 ** 6)}/profile", api_headers(t) + [("Content-Type", "application/json; charset=utf-8")], json.dumps(body, ensure_ascii=False)


def json_order(t: Text):
    items = [{"sku": f"{t.word()[:3].upper()}-{t.rng.randint(100, 999)}", "qty": t.rng.randint(1, 5),
              "note": t.words(t.rng.randint(0, 6))} for _ in range(t.rng.randint(1, 6))]
    body = {"items": items, "shipping": {"name": t.name(), "street": f"{t.rng.randint(1, 200)} {t.word().capitalize()} Street",
                                         "zip": str(t.rng.randint(10000, 99999))},
            "giftMessage": t.prose() if t.rng.random() < 0.4 else None, "coupon": None}
    return "POST", "/api/v1/orders", api_headers(t) + [("Content-Type", "application/json")], json.dumps(body)


def search_get(t: Text):
    params = [("q", t.words(t.rng.randint(1, 4)) if t.rng.random() < 0.7 else t.prose()[:80]),
              ("page", str(t.rng.randint(1, 40))), ("sort", t.pick(["relevance", "date", "-price", "name"]))]
    if t.rng.random() < 0.4:
        params.append(("category", t.word()))
    if t.rng.random() < 0.3:
        params.append(("from", f"2026-{t.rng.randint(1, 12):02d}-{t.rng.randint(1, 28):02d}"))
    query = "&".join(f"{k}={q(v)}" for k, v in params)
    path = t.pick(["/search", "/api/v1/products", "/shop/items", "/docs/search"])
    return "GET", f"{path}?{query}", browser_headers(t), None


def page_get(t: Text):
    slug = "-".join(re.sub(r"[^a-z0-9]", "", t.word()) or "x" for _ in range(t.rng.randint(2, 5)))
    path = t.pick([f"/blog/2026/{t.rng.randint(1, 12):02d}/{slug}", f"/products/{slug}",
                   f"/static/js/{slug}.{t.token(4)}.js", f"/images/{slug}.webp", f"/help/{slug}"])
    headers = browser_headers(t)
    if t.rng.random() < 0.5:
        headers.append(("Referer", t.url()))
    return "GET", path, headers, None


def login_form(t: Text):
    fields = [("username", t.email() if t.rng.random() < 0.5 else t.word()),
              ("password", t.token(12) + t.pick(["!", "#", "%", "&", "$", "?"]) + str(t.rng.randint(0, 99))),
              ("remember", "on"), ("csrf_token", t.token(16))]
    return "POST", "/login", browser_headers(t) + [("Content-Type", "application/x-www-form-urlencoded")], form(fields)


def contact_form(t: Text):
    fields = [("name", t.name()), ("email", t.email()), ("subject", t.words(t.rng.randint(2, 6)).capitalize()),
              ("message", t.paragraph(t.rng.randint(1, 4))), ("website", t.url() if t.rng.random() < 0.3 else "")]
    return "POST", "/contact", browser_headers(t) + [("Content-Type", "application/x-www-form-urlencoded")], form(fields)


def multipart_upload(t: Text):
    boundary = "----WebKitFormBoundary" + t.token(12).replace("-", "a").replace("_", "b")
    fname = f"{re.sub(r'[^a-z0-9]', '', t.word()) or 'file'}.{t.pick(['txt', 'csv', 'md'])}"
    if fname.endswith(".csv"):
        content = "name,email,city\n" + "\n".join(f"{t.name()},{t.email()},{t.pick(t.foreign).capitalize()}" for _ in range(t.rng.randint(2, 8)))
    else:
        content = "\n".join(t.prose() for _ in range(t.rng.randint(2, 6)))
    parts = [("title", None, t.words(3)), ("description", None, t.prose()), ("file", fname, content)]
    body = ""
    for name, filename, value in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        ctype = "\r\nContent-Type: text/plain" if filename else ""
        body += f"--{boundary}\r\nContent-Disposition: {disp}{ctype}\r\n\r\n{value}\r\n"
    body += f"--{boundary}--\r\n"
    return "POST", "/upload", browser_headers(t) + [("Content-Type", f"multipart/form-data; boundary={boundary}")], body


GRAPHQL_QUERIES = [
    ("query GetUser($id: ID!) { user(id: $id) { id name email posts(first: 10) { edges { node { id title createdAt } } } } }", lambda t: {"id": str(t.rng.randint(1, 10 ** 6))}),
    ("query Search($term: String!, $first: Int) { search(term: $term, first: $first) { totalCount nodes { ... on Product { id name price } ... on Article { id title } } } }", lambda t: {"term": t.words(2), "first": 20}),
    ("mutation AddComment($input: CommentInput!) { addComment(input: $input) { comment { id body author { name } } errors { field message } } }", lambda t: {"input": {"postId": str(t.rng.randint(1, 9999)), "body": t.prose()}}),
    ("mutation UpdateProfile($bio: String, $website: String) { updateProfile(bio: $bio, website: $website) { ok } }", lambda t: {"bio": t.prose(), "website": t.url()}),
    ("{ viewer { login repositories(first: 5, orderBy: {field: UPDATED_AT, direction: DESC}) { nodes { name description } } } }", lambda t: {}),
]


def graphql(t: Text):
    query, variables = t.pick(GRAPHQL_QUERIES)
    body = {"query": query, "variables": variables(t), "operationName": None}
    return "POST", "/graphql", api_headers(t) + [("Content-Type", "application/json")], json.dumps(body)


def cms_post(t: Text):
    body = {"title": t.words(t.rng.randint(3, 9)).title(), "slug": "-".join(t.words(3).split()),
            "content": t.html(), "excerpt": t.prose(), "status": t.pick(["draft", "published"]),
            "categories": [t.word() for _ in range(2)]}
    return "POST", "/wp-json/wp/v2/posts", api_headers(t) + [("Content-Type", "application/json")], json.dumps(body)


def code_comment(t: Text):
    snippet = t.pick(t.code)
    lang = "python"
    body = {"issue": t.rng.randint(1, 5000), "comment": f"{t.prose()}\n\n```{lang}\n{snippet}\n```\n\n{t.words(8)}",
            "author": t.name()}
    return "POST", f"/api/v1/issues/{body['issue']}/comments", api_headers(t) + [("Content-Type", "application/json")], json.dumps(body)


def api_get(t: Text):
    path = t.pick([f"/api/v1/users/{t.rng.randint(1, 10 ** 6)}", "/api/v1/orders?status=shipped&limit=50",
                   f"/api/v2/reports/{t.rng.randint(2020, 2026)}/summary?format=json",
                   f"/api/v1/accounts/{t.token(8)}/transactions?from=2026-01-01&to=2026-06-30",
                   "/api/v1/health", f"/api/v1/files/{t.token(10)}/download"])
    return "GET", path, api_headers(t), None


def api_delete(t: Text):
    return "DELETE", f"/api/v1/{t.pick(['comments', 'sessions', 'carts', 'tokens'])}/{t.rng.randint(1, 10 ** 6)}", api_headers(t), None


SHAPES = [  # (name, weight, builder)
    ("json-comment", 16, json_comment), ("json-profile", 6, json_profile), ("json-order", 6, json_order),
    ("search-get", 14, search_get), ("page-get", 10, page_get), ("api-get", 8, api_get),
    ("api-delete", 2, api_delete), ("login-form", 6, login_form), ("contact-form", 8, contact_form),
    ("multipart-upload", 7, multipart_upload), ("graphql", 8, graphql), ("cms-post", 5, cms_post),
    ("code-comment", 4, code_comment),
]


def to_test(index: int, shape: str, method: str, uri: str, headers: list, body: str | None) -> dict:
    hdrs = [{"name": "Host", "value": "localhost"}] + [{"name": k, "value": v} for k, v in headers]
    stage_input = {"method": method, "uri": uri, "headers": hdrs}
    if body is not None:
        stage_input["data"] = body
    return {"test_id": index, "desc": f"benign {shape}",
            "stages": [{"input": stage_input, "output": {"status": 200}}]}


def main() -> int:
    ap = argparse.ArgumentParser(description="build corpus/benign (go-ftw YAML) from Debian text")
    ap.add_argument("--out", default=str(ROOT / "corpus" / "benign" / "generated"))
    ap.add_argument("--count", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=20261123)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    text = Text(rng)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*/requests.yaml"):
        old.unlink()
    names = [s[0] for s in SHAPES]
    weights = [s[1] for s in SHAPES]
    builders = {s[0]: s[2] for s in SHAPES}
    per_shape: dict[str, list] = {n: [] for n in names}
    for i in range(args.count):
        shape = rng.choices(names, weights)[0]
        per_shape[shape].append(to_test(i + 1, shape, *builders[shape](text)))
    for shape, tests in per_shape.items():
        doc = {"meta": {"author": "rampart scripts/build-benign-corpus.py", "enabled": True,
                        "name": f"{shape}.yaml", "description": f"benign {shape} requests"},
               "rule_id": 0, "tests": tests}
        # JSON is valid YAML 1.2 and keeps every byte of the bodies exact.
        # One folder per shape, so `rampart replay` reports a row per shape.
        (out / shape).mkdir(exist_ok=True)
        (out / shape / "requests.yaml").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print(f"{args.count} benign requests in {len(per_shape)} files under {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
