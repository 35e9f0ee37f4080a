"""JWT access and service tokens with key ids, and FastAPI role checks.

Admin access tokens are HS256 JWTs signed with the first key of ``api.jwt_keys``
(``{"kid": "secret", ...}``) and verified with whichever configured key the header's ``kid``
names, so signing keys rotate without logging anyone out early (docs/security.md).
Service-to-service tokens carry role ``service``, the audience ``api.service_audience`` and
the reserved kid ``service``, and are signed with ``api.service_token``.

Forwarded tokens (cluster mode): a member that forwards a caller's per-player request to the
shard's owner first verifies the caller's token, then sends a short-lived service token that
names the caller (``sub``), the caller's role (``on_behalf_role``), itself (``act.sub``, as in
RFC 8693) and the one request it is for (``req``: method and path). The owner accepts such a
token only on a request marked forwarded (:data:`FORWARDED_HEADER`) for that method and path,
and then acts as the caller: the caller's role is checked and the audit log names the caller.

Refused with 401 and a short reason: a malformed token, any algorithm but HS256 (``none``,
RS256, HS512 ...), a missing or unknown ``kid``, a bad signature, a wrong issuer or
audience, an expired or not-yet-valid token, missing claims or an unknown role.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from yabot.api.admin_store import ADMIN_ROLES, AdminRole
from yabot.api.errors import ApiError
from yabot.api.metrics import AUTH_FAILURES
from yabot.config import ApiSettings, ConfigError, Settings
from yabot.observability.logging import get_logger
from yabot.secret_checks import RESERVED_KID, check_secret
from yabot.secret_checks import parse_jwt_keys as _parse_keys

ALGORITHM = "HS256"
SERVICE_KID = RESERVED_KID
SERVICE_ROLE = "service"
MAX_TOKEN_CHARS = 4096
LEEWAY_S = 5
ROLE_RANK: dict[str, int] = {"viewer": 1, "operator": 2, "admin": 3}
_REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]

FORWARDED_HEADER = "X-Yabot-Forwarded"
"""Marks a request one member forwarded to another (its value: the forwarder's member id)."""
FORWARDED_TTL_S = 60

PrincipalRole = Literal["viewer", "operator", "admin", "service"]

log = get_logger(__name__)


class TokenError(Exception):
    """A token was refused; ``reason`` is a short code, ``str()`` a short message."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's subject, role, id (``jti``) and expiry (epoch s).

    ``via`` is the member that forwarded the caller's request (a forwarded token), and
    ``request`` the ``"METHOD /path"`` that token is for; both None for a caller's own token.
    """

    subject: str
    role: PrincipalRole
    token_id: str
    expires_at: int
    via: str | None = None
    request: str | None = None


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed token and what it says."""

    token: str
    principal: Principal


class TokenService:
    """Signs and verifies JWTs.

    Args:
        keys: kid -> HMAC secret of admin tokens; all verify.
        signing_kid: The kid that signs new tokens (must be in ``keys``).
        issuer: ``iss`` claim.
        audience: ``aud`` of admin access tokens.
        ttl_s: Lifetime of issued tokens.
        service_secret: HMAC secret of service tokens.
        service_audience: ``aud`` of service tokens.
        clock: Epoch seconds (injectable for tests).
    """

    def __init__(
        self,
        keys: Mapping[str, bytes],
        signing_kid: str,
        *,
        issuer: str,
        audience: str,
        ttl_s: int,
        service_secret: bytes,
        service_audience: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if signing_kid not in keys:
            raise ValueError(f"signing kid {signing_kid!r} is not among the keys")
        if SERVICE_KID in keys:
            raise ValueError(f"kid {SERVICE_KID!r} is reserved for service tokens")
        self._keys = dict(keys)
        self.signing_kid = signing_kid
        self._issuer = issuer
        self._audience = audience
        self._ttl_s = ttl_s
        self._service_secret = service_secret
        self._service_audience = service_audience
        self._clock = clock

    @property
    def verification_kids(self) -> list[str]:
        """The kids whose tokens are accepted."""
        return list(self._keys)

    def _sign(
        self,
        subject: str,
        role: str,
        audience: str,
        kid: str,
        key: bytes,
        ttl_s: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> IssuedToken:
        now = int(self._clock())
        expires_at = now + (self._ttl_s if ttl_s is None else ttl_s)
        token_id = uuid.uuid4().hex
        claims: dict[str, Any] = {
            **(extra or {}),
            "iss": self._issuer,
            "aud": audience,
            "sub": subject,
            "role": role,
            "iat": now,
            "nbf": now,
            "exp": expires_at,
            "jti": token_id,
        }
        token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})
        principal = Principal(subject, role, token_id, expires_at)  # type: ignore[arg-type]
        return IssuedToken(token, principal)

    def issue_access_token(self, subject: str, role: AdminRole) -> IssuedToken:
        """Sign an admin access token for ``subject`` with the current signing key."""
        if role not in ADMIN_ROLES:
            raise ValueError(f"unknown role {role!r}")
        return self._sign(
            subject, role, self._audience, self.signing_kid, self._keys[self.signing_kid]
        )

    def mint_service_token(self, caller: str) -> IssuedToken:
        """Sign a service-to-service token naming the internal ``caller``."""
        return self._sign(
            caller, SERVICE_ROLE, self._service_audience, SERVICE_KID, self._service_secret
        )

    def mint_forwarded_token(
        self, caller: Principal, member_id: str, method: str, path: str
    ) -> IssuedToken:
        """Sign the service token a member sends with ``caller``'s request to the shard's owner.

        Args:
            caller: The verified caller (an admin role: a service token is forwarded as is).
            member_id: The forwarding member (``act.sub``).
            method: The request's method.
            path: The request's path (without the query).
        """
        if caller.role not in ADMIN_ROLES:
            raise ValueError("only an admin caller's request is forwarded with a new token")
        request = f"{method.upper()} {path}"
        issued = self._sign(
            caller.subject,
            SERVICE_ROLE,
            self._service_audience,
            SERVICE_KID,
            self._service_secret,
            ttl_s=FORWARDED_TTL_S,
            extra={"on_behalf_role": caller.role, "act": {"sub": member_id}, "req": request},
        )
        principal = Principal(
            caller.subject,
            caller.role,
            issued.principal.token_id,
            issued.principal.expires_at,
            via=member_id,
            request=request,
        )
        return IssuedToken(issued.token, principal)

    def verify(self, token: str) -> Principal:
        """Check a token and return its principal.

        Raises:
            TokenError: The token is refused (see the module docstring for each case).
        """
        if len(token) > MAX_TOKEN_CHARS:
            raise TokenError("too_large", "token too large")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise TokenError("malformed", "malformed token") from None
        if header.get("alg") != ALGORITHM:
            raise TokenError("algorithm", "token algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("missing_kid", "token has no key id")
        roles: tuple[str, ...]
        if kid == SERVICE_KID:
            key, audience, roles = self._service_secret, self._service_audience, (SERVICE_ROLE,)
        elif kid in self._keys:
            key, audience, roles = self._keys[kid], self._audience, ADMIN_ROLES
        else:
            raise TokenError("unknown_kid", "token key id unknown")
        claims = _decode(token, key, audience, self._issuer)
        role = claims.get("role")
        if role not in roles:
            raise TokenError("role", "token role not allowed")
        if kid == SERVICE_KID and "act" in claims:
            return _forwarded(claims)
        return Principal(
            str(claims["sub"]), cast(PrincipalRole, role), str(claims["jti"]), int(claims["exp"])
        )


def _forwarded(claims: Mapping[str, Any]) -> Principal:
    """The caller a forwarded token names (its signature and expiry already checked)."""
    act, role, request = claims.get("act"), claims.get("on_behalf_role"), claims.get("req")
    if (
        not isinstance(act, dict)
        or not isinstance(act.get("sub"), str)
        or role not in ADMIN_ROLES
        or not isinstance(request, str)
    ):
        raise TokenError("forwarded_claims", "forwarded token lacks its caller")
    return Principal(
        str(claims["sub"]),
        cast(PrincipalRole, role),
        str(claims["jti"]),
        int(claims["exp"]),
        via=str(act["sub"]),
        request=request,
    )


def _decode(token: str, key: bytes, audience: str, issuer: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_S,
            options={"require": _REQUIRED_CLAIMS, "strict_aud": True},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("expired", "token expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenError("not_yet_valid", "token not yet valid") from None
    except jwt.InvalidAudienceError:
        raise TokenError("audience", "token audience not accepted") from None
    except jwt.InvalidIssuerError:
        raise TokenError("issuer", "token issuer not accepted") from None
    except jwt.InvalidSignatureError:
        raise TokenError("signature", "token signature invalid") from None
    except jwt.MissingRequiredClaimError:
        raise TokenError("missing_claim", "token lacks a required claim") from None
    except jwt.InvalidTokenError:
        raise TokenError("invalid", "invalid token") from None


def _secret_bytes(name: str, value: object) -> bytes:
    try:
        return check_secret(value)
    except ValueError as exc:
        raise ConfigError(f"config error: {name} {exc}") from None


def parse_jwt_keys(raw: str) -> dict[str, bytes]:
    """Parse ``api.jwt_keys`` (JSON object kid -> secret, first signs).

    Raises:
        ConfigError: Not a JSON object, empty, a bad kid, the reserved kid ``service`` or
            a secret shorter than 32 bytes (secrets are never echoed).
    """
    try:
        return _parse_keys(raw)
    except ValueError as exc:
        raise ConfigError(f"config error: api.jwt_keys (env YABOT_API__JWT_KEYS) {exc}") from None


def build_token_service(settings: Settings, clock: Callable[[], float] = time.time) -> TokenService:
    """Build the token service from settings, with ephemeral keys for local play.

    Raises:
        ConfigError: Invalid keys, or keys missing while ``security.production`` is true.
    """
    api: ApiSettings = settings.api
    production = settings.security.production
    if api.jwt_keys is not None and api.jwt_keys.get_secret_value().strip():
        keys = parse_jwt_keys(api.jwt_keys.get_secret_value())
    elif production:
        raise ConfigError(
            "config error: api.jwt_keys (env YABOT_API__JWT_KEYS) is required when "
            "security.production is true"
        )
    else:
        kid = f"ephemeral-{secrets.token_hex(4)}"
        keys = {kid: secrets.token_bytes(32)}
        log.warning(
            "INSECURE_EPHEMERAL_JWT_KEY",
            kid=kid,
            detail="no YABOT_API__JWT_KEYS set: tokens are signed with a random key that dies "
            "with this process; for local play only",
        )
    if api.service_token is not None and api.service_token.get_secret_value():
        service_secret = _secret_bytes(
            "api.service_token (env YABOT_API__SERVICE_TOKEN)", api.service_token.get_secret_value()
        )
    elif production:
        raise ConfigError(
            "config error: api.service_token (env YABOT_API__SERVICE_TOKEN) is required when "
            "security.production is true"
        )
    else:
        service_secret = secrets.token_bytes(32)
        log.warning(
            "INSECURE_EPHEMERAL_SERVICE_KEY",
            detail="no YABOT_API__SERVICE_TOKEN set: service tokens work only inside this process",
        )
    return TokenService(
        keys,
        next(iter(keys)),
        issuer=api.jwt_issuer,
        audience=api.jwt_audience,
        ttl_s=api.access_token_ttl_s,
        service_secret=service_secret,
        service_audience=api.service_audience,
        clock=clock,
    )


bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearer", description="JWT from POST /api/v1/auth/token"
)


def token_service_of(request: Request) -> TokenService:
    """Return the app's :class:`TokenService` (set by ``create_api``)."""
    service = getattr(request.app.state, "token_service", None)
    if not isinstance(service, TokenService):
        raise RuntimeError("the app has no token_service; build it with create_api")
    return service


def _refuse(request: Request, status: int, reason: str, message: str) -> ApiError:
    AUTH_FAILURES.labels(reason=reason).inc()
    log.info("auth_refused", status=status, reason=reason, path=request.url.path)
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else {}
    code = "unauthorized" if status == 401 else "forbidden"
    return ApiError(status, code, message, headers)


def require_role(
    minimum: AdminRole, *, allow_service: bool = False
) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency admitting admin tokens of role ``minimum`` or higher.

    Roles rank viewer < operator < admin. Service tokens pass only when ``allow_service``.

    Args:
        minimum: The lowest role allowed.
        allow_service: Also admit service-to-service tokens.

    Returns:
        A dependency returning the caller's :class:`Principal`; it answers 401 for a
        missing or refused token and 403 for a role below ``minimum``.

    Example::

        @router.get("/things")
        async def things(who: Principal = Depends(require_role("operator"))) -> ...
    """
    if minimum not in ROLE_RANK:
        raise ValueError(f"unknown role {minimum!r}")

    async def dependency(
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),  # noqa: B008
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _refuse(request, 401, "missing", "bearer token required")
        try:
            principal = token_service_of(request).verify(credentials.credentials)
        except TokenError as exc:
            raise _refuse(request, 401, exc.reason, str(exc)) from None
        if principal.via is not None and (
            not request.headers.get(FORWARDED_HEADER)
            or principal.request != f"{request.method.upper()} {request.url.path}"
        ):
            raise _refuse(
                request, 401, "forwarded_elsewhere", "forwarded token not valid for this request"
            )
        if principal.role == SERVICE_ROLE:
            if not allow_service:
                raise _refuse(request, 403, "service_not_allowed", "service tokens not allowed")
        elif ROLE_RANK[principal.role] < ROLE_RANK[minimum]:
            raise _refuse(request, 403, "role", f"requires role {minimum}")
        return principal

    return dependency
