"""Console sign-in through an OpenID Connect issuer: the authorization code flow with PKCE (S256).

The browser is sent to the issuer with a ``state``, a ``nonce`` and the SHA-256 of a PKCE verifier, all three kept
in a signed cookie (``sessions.PendingSignIn``) that only this browser holds. When the issuer sends the browser back
with a code, the gateway checks the ``state`` against that cookie, exchanges the code (with the verifier and the
client secret) at the token endpoint, and accepts the ID token only if its signature verifies against a key the
issuer publishes and its ``iss``, ``aud``, ``exp``, ``iat`` and ``nonce`` are right. The person's console roles come
from one claim through ``console.oidc.role_map``; with none, they are refused.

The gateway talks only to the issuer: its discovery document, token endpoint and keys, on the issuer's host or a
host listed in ``console.oidc.endpoint_hosts``. The ID token is checked with PyJWT, whose JWS and claim checks are
maintained and widely used; writing them again is where algorithm-confusion mistakes are made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt

from core.errors import IssuerUnavailable, SignInRefused
from proxy.console.sessions import Identity, PendingSignIn
from proxy.console.settings import OidcSettings, is_this_machine

# Asymmetric algorithms only: an HS256 token would be "signed" with the client secret, which the issuer is not alone
# in knowing, and "none" signs nothing.
ALGORITHMS = ("RS256", "PS256", "ES256")
DISCOVERY_SECONDS = 3600  # how long a discovery document and the keys it names are used before being read again
KEY_REFRESH_SECONDS = 30  # an unknown key id reads the keys again at most this often (rotation, not a flood)
MAX_DOCUMENT_BYTES = 256 * 1024
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True, slots=True)
class Endpoints:
    authorization: str
    token: str
    keys: str
    token_auth: str  # "client_secret_basic" or "client_secret_post"


@dataclass(frozen=True, slots=True)
class SignedIn:
    identity: Identity
    subject: str  # the issuer's ``sub``: recorded in the trail beside the user name


class OidcClient:
    """One per worker: the issuer's endpoints and keys are read once and kept for ``DISCOVERY_SECONDS``."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._endpoints: tuple[float, Endpoints] | None = None
        self._keys: tuple[float, list[dict[str, Any]]] | None = None

    def code_challenge(self, verifier: str) -> str:
        return _b64(hashlib.sha256(verifier.encode("ascii")).digest())

    async def authorization_url(self, pending: PendingSignIn) -> str:
        endpoints = await self.endpoints()
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_url,
            "scope": " ".join(self.settings.scopes),
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": self.code_challenge(pending.verifier),
            "code_challenge_method": "S256",
        }
        separator = "&" if urlsplit(endpoints.authorization).query else "?"
        return endpoints.authorization + separator + urlencode(query)

    async def sign_in(self, code: str, pending: PendingSignIn) -> SignedIn:
        """Exchange the code and check the ID token; who signed in, or ``SignInRefused`` saying which check failed."""
        id_token = await self._exchange(code, pending.verifier)
        claims = await self.verify(id_token, pending.nonce)
        return self.signed_in(claims)

    async def endpoints(self) -> Endpoints:
        if self._endpoints is not None and time.monotonic() - self._endpoints[0] < DISCOVERY_SECONDS:
            return self._endpoints[1]
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self._get_json(url)
        if document.get("issuer") != self.settings.issuer:
            # OpenID Connect Discovery 1.0, 4.3: the document must name the issuer it was read from.
            raise IssuerUnavailable("The issuer's discovery document names another issuer.")
        methods = document.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise IssuerUnavailable("The issuer does not support PKCE with S256.")
        auth_methods = document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
        if not isinstance(auth_methods, list):
            auth_methods = ["client_secret_basic"]
        token_auth = "client_secret_basic" if "client_secret_basic" in auth_methods else "client_secret_post"
        if token_auth not in auth_methods:
            raise IssuerUnavailable("The issuer accepts neither client_secret_basic nor client_secret_post.")
        endpoints = Endpoints(
            self._allowed(document.get("authorization_endpoint"), browser=True),
            self._allowed(document.get("token_endpoint")),
            self._allowed(document.get("jwks_uri")),
            token_auth,
        )
        self._endpoints = (time.monotonic(), endpoints)
        return endpoints

    async def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of an ID token whose signature, issuer, audience, times and nonce are right."""
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise refused("id_token_malformed") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise refused("id_token_algorithm")
        key = await self._key(header.get("kid"), str(algorithm))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=[str(algorithm)],
                audience=self.settings.client_id,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidSignatureError:
            raise refused("id_token_signature") from None
        except jwt.ExpiredSignatureError:
            raise refused("id_token_expired") from None
        except jwt.InvalidAudienceError:
            raise refused("id_token_audience") from None
        except jwt.InvalidIssuerError:
            raise refused("id_token_issuer") from None
        except (jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
            raise refused("id_token_not_yet_valid") from None
        except jwt.PyJWTError:
            raise refused("id_token_invalid") from None
        # OpenID Connect Core 3.1.3.7: with several audiences, the token must have been issued to this client.
        if (
            isinstance(claims.get("aud"), list)
            and len(claims["aud"]) > 1
            and claims.get("azp") != self.settings.client_id
        ):
            raise refused("id_token_audience")
        # Compared as bytes: compare_digest refuses str with characters beyond ASCII (raising, not answering).
        if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(
            claims["nonce"].encode(), nonce.encode()
        ):
            raise refused("id_token_nonce")
        return claims

    def signed_in(self, claims: Mapping[str, Any]) -> SignedIn:
        """Who the claims say signed in, with the Handrail roles their roles claim maps to."""
        settings = self.settings
        user = claim(claims, settings.user_claim)
        if not isinstance(user, str) or not user.strip():
            raise refused("no_user_claim", subject=str(claims.get("sub")))
        if settings.user_claim == "email" and claims.get("email_verified") is False:
            raise refused("email_not_verified", user=user, subject=str(claims.get("sub")))
        roles = roles_from(claims, settings)
        if not roles:
            raise refused("no_console_role", user=user, subject=str(claims.get("sub")))
        department = claim(claims, settings.department_claim) if settings.department_claim else None
        if not isinstance(department, str) or not department:
            department = settings.department
        return SignedIn(Identity(user.strip(), department, roles), str(claims["sub"]))

    async def _exchange(self, code: str, verifier: str) -> str:
        endpoints = await self.endpoints()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_url,
            "code_verifier": verifier,
        }
        secret = self.settings.client_secret.get_secret_value()
        auth: httpx.BasicAuth | None = None
        if endpoints.token_auth == "client_secret_basic":
            auth = httpx.BasicAuth(self.settings.client_id, secret)
        else:
            form |= {"client_id": self.settings.client_id, "client_secret": secret}
        try:
            async with httpx.AsyncClient(
                timeout=self.settings.timeout_seconds, follow_redirects=False, auth=auth
            ) as client:
                answer = await client.post(endpoints.token, data=form, headers={"accept": "application/json"})
        except httpx.HTTPError as error:
            raise IssuerUnavailable(
                f"The issuer's token endpoint could not be reached ({type(error).__name__})."
            ) from None
        document = _json_object(answer)
        if answer.status_code != 200:
            # RFC 6749 5.2: a refused code (used already, expired, wrong verifier) is 400 with an "error" code.
            error_code = document.get("error") if document else None
            if answer.status_code in (400, 401) and isinstance(error_code, str):
                raise refused("code_refused", issuer_error=issuer_error_code(error_code))
            raise IssuerUnavailable(f"The issuer's token endpoint answered {answer.status_code}.")
        id_token = document.get("id_token") if document else None
        if not isinstance(id_token, str):
            raise IssuerUnavailable("The issuer's token endpoint sent no ID token.")
        return id_token

    async def _key(self, key_id: object, algorithm: str) -> Any:
        """The issuer's public key for ``key_id``; the keys are read again (at most every 30 s) if it is unknown."""
        for refresh in (False, True):
            if refresh:
                if self._keys is not None and time.monotonic() - self._keys[0] < KEY_REFRESH_SECONDS:
                    break
                self._keys = None
            for jwk in await self._published_keys():
                if key_id is not None and jwk.get("kid") != key_id:
                    continue
                if jwk.get("use", "sig") != "sig" or jwk.get("alg", algorithm) != algorithm:
                    continue
                try:
                    return jwt.PyJWK(jwk, algorithm=algorithm).key
                except jwt.PyJWTError:
                    continue  # a key of another type (or one PyJWT cannot read): not the one
        raise refused("id_token_key_unknown")

    async def _published_keys(self) -> list[dict[str, Any]]:
        if self._keys is not None and time.monotonic() - self._keys[0] < DISCOVERY_SECONDS:
            return self._keys[1]
        document = await self._get_json((await self.endpoints()).keys)
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise IssuerUnavailable("The issuer's key set has no keys.")
        published = [key for key in keys if isinstance(key, dict)]
        self._keys = (time.monotonic(), published)
        return published

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.settings.timeout_seconds, follow_redirects=False) as client:
                answer = await client.get(url, headers={"accept": "application/json"})
        except httpx.HTTPError as error:
            raise IssuerUnavailable(f"The issuer could not be reached ({type(error).__name__}).") from None
        document = _json_object(answer)
        if answer.status_code != 200 or document is None:
            raise IssuerUnavailable(f"The issuer answered {answer.status_code} without a JSON document.")
        return document

    def _allowed(self, url: object, browser: bool = False) -> str:
        """An endpoint from the discovery document, if it is on the issuer's host (or one allowed) and uses TLS."""
        if not isinstance(url, str):
            raise IssuerUnavailable("The issuer's discovery document lacks an endpoint.")
        parts = urlsplit(url)
        host = parts.hostname or ""
        issuer_host = urlsplit(self.settings.issuer).hostname
        if host != issuer_host and host not in self.settings.endpoint_hosts:
            raise IssuerUnavailable(f"The issuer's discovery document names a host not allowed: {host}.")
        if parts.scheme != "https" and not (parts.scheme == "http" and is_this_machine(host)):
            raise IssuerUnavailable("The issuer's discovery document names an endpoint without TLS.")
        if not browser and parts.fragment:
            raise IssuerUnavailable("The issuer's discovery document names an endpoint with a fragment.")
        return url


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into objects (``realm_access.roles``)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for step in path.split("."):
        if not isinstance(value, Mapping) or step not in value:
            return None
        value = value[step]
    return value


def roles_from(claims: Mapping[str, Any], settings: OidcSettings) -> tuple[str, ...]:
    """The Handrail roles the roles claim's values map to, in the order of ``core.vocabulary.ROLES``."""
    values = claim(claims, settings.roles_claim)
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return ()
    mapped = {settings.role_map[value] for value in values if isinstance(value, str) and value in settings.role_map}
    return tuple(role for role in ("user", "auditor", "policy-admin") if role in mapped)


def issuer_error_code(value: str) -> str:
    """An issuer's error code as the trail keeps it: RFC 6749 codes are short words; anything else (it may come
    from whoever sent the browser to the callback) is kept as 'other'."""
    return value if _ERROR_CODE.fullmatch(value) else "other"


def refused(
    reason: str, user: str | None = None, subject: str | None = None, issuer_error: str | None = None
) -> SignInRefused:
    """The refusal for ``reason`` (a key of ``REASONS``), with what the page says about it."""
    message = REASONS.get(reason, REASONS["id_token_invalid"])
    return SignInRefused(message, reason=reason, user=user, subject=subject, issuer_error=issuer_error)


def _json_object(answer: httpx.Response) -> dict[str, Any] | None:
    if len(answer.content) > MAX_DOCUMENT_BYTES:
        return None
    try:
        document = answer.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


# What the refusal page says for each reason (the reason itself is recorded in the trail).
_TRY_AGAIN = "Go back to the sign-in page and try again. If it happens again, tell the console's administrators."
REASONS = {
    "no_sign_in_started": "The sign-in could not be matched to one started in this browser (it took longer than "
    "10 minutes, or cookies are blocked). " + _TRY_AGAIN,
    "state_mismatch": "The answer from the sign-in service does not match the sign-in started in this browser. "
    + _TRY_AGAIN,
    "issuer_refused": "The sign-in service did not sign you in. " + _TRY_AGAIN,
    "no_code": "The sign-in service sent you back without a sign-in code. " + _TRY_AGAIN,
    "code_refused": "The sign-in service would not confirm this sign-in (the code was used already, has expired, "
    "or does not belong to this browser). " + _TRY_AGAIN,
    "id_token_malformed": "The sign-in service's answer could not be read. " + _TRY_AGAIN,
    "id_token_algorithm": "The sign-in service's answer was not signed in a way the console accepts. " + _TRY_AGAIN,
    "id_token_key_unknown": "The sign-in service's answer was signed with a key it does not publish. " + _TRY_AGAIN,
    "id_token_signature": "The signature on the sign-in service's answer is not valid. " + _TRY_AGAIN,
    "id_token_expired": "The sign-in service's answer has expired (check this computer's clock). " + _TRY_AGAIN,
    "id_token_not_yet_valid": "The sign-in service's answer is dated in the future (check this computer's clock). "
    + _TRY_AGAIN,
    "id_token_audience": "The sign-in service's answer was meant for another service. " + _TRY_AGAIN,
    "id_token_issuer": "The sign-in service's answer came from another issuer. " + _TRY_AGAIN,
    "id_token_nonce": "The sign-in service's answer does not belong to the sign-in started in this browser. "
    + _TRY_AGAIN,
    "id_token_invalid": "The sign-in service's answer failed a check. " + _TRY_AGAIN,
    "no_user_claim": "The sign-in service did not say who you are. Ask the console's administrators to check its "
    "settings.",
    "email_not_verified": "The sign-in service has not verified your email address, so the console cannot use it "
    "to know who you are. Verify it with the sign-in service, then sign in again.",
    "no_console_role": "You signed in, but your account has none of the roles the console accepts (auditor, "
    "policy team or user). Ask the console's administrators to give you one, then sign in again.",
}
