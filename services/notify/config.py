"""The notify service's settings. Credentials are never settings: they are secrets, read by name
from NOTIFY_SECRET_<NAME> or from a file <NOTIFY_SECRETS_DIR>/<name> (channels.base.Secrets)."""

from pathlib import Path

from pydantic import SecretStr

from runtime.settings import Settings

DEFAULT_RULES = Path(__file__).resolve().parent / "rules" / "notify.yaml"
DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "templates"


class NotifySettings(Settings):
    """Environment of the notify service."""

    service: str = "notify"
    http_port: int = 8007
    notify_rules_file: Path = DEFAULT_RULES
    notify_templates_dir: Path = DEFAULT_TEMPLATES
    notify_secrets_dir: str = ""
    notify_max_attempts: int = 5
    notify_backoff_s: float = 30.0  # doubled after each failed attempt
    notify_interval_s: float = 0.5
    # Resolution's survey route and key, the same values resolution reads: the link notify
    # sends is the one resolution answers (runtime.survey_links). Unset secret: the key file
    # resolution keeps in the shared DATA_DIR (one machine only).
    survey_base_url: str = "http://127.0.0.1:8004/v1/surveys"
    survey_secret: SecretStr | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_sender: str = "complaints@localhost"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password_secret: str = "smtp_password"  # the secret's name, when SMTP_USERNAME is set
    wechat_gateway_url: str = "http://127.0.0.1:9180/wechat/template"
    wechat_template_id: str = "complaint-update"
    wechat_token_secret: str = "wechat_gateway_token"
    sms_gateway_url: str = "http://127.0.0.1:9180/sms"
    sms_token_secret: str = "sms_gateway_token"
