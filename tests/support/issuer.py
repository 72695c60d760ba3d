"""A stand-in OpenID Connect issuer: a real HTTP server on 127.0.0.1 signing real ID tokens.

No organisation's sign-in service is reachable from here, so this plays one, as the protocol says one behaves:
discovery at ``/.well-known/openid-configuration``; ``/authorize``, which checks the request (client, registered
redirect address, ``code`` with an S256 PKCE challenge, ``openid`` scope) and signs in the configured test user at
once, or (``ask``) after a button is pressed on a page of its own, as on a real sign-in page; ``/token``, which
checks the client secret (HTTP Basic), that the code is unused and was issued to that client and redirect address,
and that the PKCE verifier hashes to the challenge; and ``/jwks``, the public half of an RSA key made at start.

ID tokens are built and signed here with ``cryptography`` directly (RS256), not with the library the gateway uses to
check them, so a mistake in one is not hidden by the same mistake in the other.

It is addressed as ``localhost`` while the gateway is ``127.0.0.1``: to a browser those are different sites, as a
real issuer and the gateway are; with ``ask``, the way back starts on the issuer's page, so the browser tests meet
the same cookie rules a deployment does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import uvicorn
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.standin import free_port

KEY_ID = "stand-in-key-1"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def sign_token(claims: dict[str, Any], key: rsa.RSAPrivateKey, key_id: str = KEY_ID) -> str:
    """A compact JWS (RS256) of ``claims``."""
    header = {"alg": "RS256", "typ": "JWT", "kid": key_id}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64(signature)


def forged_token(claims: dict[str, Any], algorithm: str, secret: str) -> str:
    """A token a careless verifier might accept: unsigned (``none``), or HS256 under the client secret, which the
    client knows too (so anyone holding it could mint tokens)."""
    header = {"alg": algorithm, "typ": "JWT", "kid": KEY_ID}
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    if algorithm == "none":
        return signing_input + "."
    return signing_input + "." + b64(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())


@dataclass
class Grant:
    """A code the authorize endpoint gave out, and what it was given for."""

    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    claims: dict[str, Any]
    used: bool = False


@dataclass
class IssuerState:
    client_id: str
    client_secret: str
    redirect_uri: str
    users: dict[str, dict[str, Any]]
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    key_id: str = KEY_ID
    key_reads: int = 0  # how often /jwks was read
    sign_in_as: str | None = None  # the user /authorize signs in
    ask: bool = False  # show a form with a button first (as a real issuer's sign-in page is, on its own site)
    broken: bool = False  # the token endpoint fails (HTTP 500), as an issuer in trouble does
    tamper: dict[str, Any] = field(default_factory=dict)  # claims the next ID tokens get instead (None: left out)
    sign_with: rsa.RSAPrivateKey | None = None  # sign the next ID tokens with this key (not the published one)
    forge: str | None = None  # "none": an unsigned token; "HS256": "signed" with the client secret (alg confusion)
    grants: dict[str, Grant] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)  # why /token refused, in order
    issued: list[str] = field(default_factory=list)  # codes and ID tokens given out (to check they leak nowhere)
    lock: threading.Lock = field(default_factory=threading.Lock)


def build_app(state: IssuerState, issuer: str) -> Starlette:
    async def discovery(request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "scopes_supported": ["openid", "email", "profile"],
            }
        )

    async def jwks(request: Request) -> Response:
        state.key_reads += 1
        numbers = state.key.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return JSONResponse(
            {"keys": [{"kty": "RSA", "kid": state.key_id, "use": "sig", "alg": "RS256", "n": b64(n), "e": b64(e)}]}
        )

    async def authorize(request: Request) -> Response:
        if request.method == "POST":  # the form's button: the same checks, on what the form carried
            query: Mapping[str, str] = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        else:
            query = request.query_params
            if state.ask and state.sign_in_as is not None:
                fields = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
                )
                return HTMLResponse(
                    '<!DOCTYPE html><html lang="en"><head><title>Stand-in issuer</title></head><body><main>'
                    f'<h1>Sign in</h1><form method="post" action="/authorize">{fields}'
                    f'<button type="submit" id="approve">Continue as {html.escape(state.sign_in_as)}</button>'
                    "</form></main></body></html>"
                )
        if query.get("client_id") != state.client_id or query.get("redirect_uri") != state.redirect_uri:
            # Never redirect to an address that was not registered (RFC 6749 4.1.2.1): say so here instead.
            return Response("unknown client or redirect address", status_code=400)
        problems = [
            query.get("response_type") != "code",
            query.get("code_challenge_method") != "S256",
            len(query.get("code_challenge", "")) != 43,
            "openid" not in query.get("scope", "").split(),
            not query.get("state"),
            not query.get("nonce"),
        ]
        back: dict[str, str] = {"state": query.get("state", "")}
        if any(problems) or state.sign_in_as is None:
            back["error"] = "invalid_request" if any(problems) else "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            with state.lock:
                state.grants[code] = Grant(
                    state.client_id,
                    state.redirect_uri,
                    query["code_challenge"],
                    query["nonce"],
                    dict(state.users[state.sign_in_as]),
                )
                state.issued.append(code)
            back["code"] = code
        return RedirectResponse(f"{state.redirect_uri}?{urlencode(back)}", status_code=302)

    async def token(request: Request) -> Response:
        if state.broken:
            return Response("<html>Internal error</html>", status_code=500, media_type="text/html")
        form = {name: values[-1] for name, values in parse_qs((await request.body()).decode()).items()}
        with state.lock:
            grant = state.grants.get(str(form.get("code", "")))
            first_use = grant is not None and not grant.used
            if grant is not None:
                grant.used = True  # RFC 6749 4.1.2: a code works once, whatever comes of the attempt
        verifier = str(form.get("code_verifier", ""))
        refusal = _check_client(request, state)
        if refusal is not None:
            pass
        elif grant is None:
            refusal = "unknown code"
        elif not first_use:
            refusal = "code used already"
        elif form.get("grant_type") != "authorization_code":
            refusal = "wrong grant type"
        elif form.get("redirect_uri") != grant.redirect_uri:
            refusal = "redirect address differs"
        elif not hmac.compare_digest(b64(hashlib.sha256(verifier.encode()).digest()), grant.challenge):
            refusal = "PKCE verifier does not match the challenge"
        if refusal is not None or grant is None:
            state.refusals.append(refusal or "unknown code")
            status = 401 if refusal == "client authentication failed" else 400
            error = "invalid_client" if status == 401 else "invalid_grant"
            return JSONResponse({"error": error}, status_code=status)
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": grant.claims["sub"],
            "aud": state.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **{name: value for name, value in grant.claims.items() if name != "sub"},
        }
        for name, value in state.tamper.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        if state.forge is not None:
            id_token = forged_token(claims, state.forge, state.client_secret)
        else:
            id_token = sign_token(claims, state.sign_with or state.key, state.key_id)
        with state.lock:
            state.issued.append(id_token)
        access_token = secrets.token_urlsafe(24)
        return JSONResponse(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token},
            headers={"cache-control": "no-store"},
        )

    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize, methods=["GET", "POST"]),
            Route("/token", token, methods=["POST"]),
        ]
    )


def _check_client(request: Request, state: IssuerState) -> str | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return "client authentication failed"
    if scheme.lower() != "basic" or client_id != state.client_id:
        return "client authentication failed"
    if not hmac.compare_digest(secret.encode(), state.client_secret.encode()):
        return "client authentication failed"
    return None


class StandInIssuer:
    """The stand-in issuer running in a background thread of the test process."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str, users: dict[str, dict[str, Any]]) -> None:
        self.port = free_port()
        self.state = IssuerState(client_id, client_secret, redirect_uri, users)
        config = uvicorn.Config(
            build_app(self.state, self.issuer), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def issuer(self) -> str:
        return f"http://localhost:{self.port}"

    def behave(
        self,
        sign_in_as: str | None,
        tamper: dict[str, Any] | None = None,
        sign_with: rsa.RSAPrivateKey | None = None,
        ask: bool = False,
        broken: bool = False,
        forge: str | None = None,
    ) -> None:
        """Who the next sign-ins are, whether they press a button first, and what is wrong with their ID tokens
        (nothing, unless told)."""
        with self.state.lock:
            self.state.sign_in_as = sign_in_as
            self.state.ask = ask
            self.state.broken = broken
            self.state.forge = forge
            self.state.tamper = dict(tamper or {})
            self.state.sign_with = sign_with

    def rotate(self) -> None:
        """A new signing key under a new key id, published at once (the old one is dropped)."""
        with self.state.lock:
            self.state.key = new_key()
            self.state.key_id = f"stand-in-key-{secrets.token_hex(4)}"

    def start(self) -> StandInIssuer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the stand-in issuer did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
