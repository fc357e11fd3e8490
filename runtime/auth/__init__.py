"""Access control: bearer tokens, roles and scopes, object and field checks, limits, and the
log of personal-data reads. How a service wires it: docs/access-control.md.
"""

from runtime.auth.dependencies import CurrentTenant, authenticated, current_tenant, require
from runtime.auth.masking import Personal, mask_email, mask_name, mask_phone, redact
from runtime.auth.objects import NotFound, authorize_object, may_see
from runtime.auth.principal import Principal
from runtime.auth.roles import ROLE_SCOPES, Role, Scope

__all__ = [
    "ROLE_SCOPES", "CurrentTenant", "NotFound", "Personal", "Principal", "Role", "Scope",
    "authenticated", "authorize_object", "current_tenant", "mask_email", "mask_name",
    "mask_phone", "may_see", "redact", "require",
]
