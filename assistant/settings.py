"""One settings object, read once at the entry point and passed down.

Values come from defaults, then ``ASSISTANT_*`` environment variables, then explicit
keyword overrides (the CLI turns its flags into overrides).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import ConfigError
from .ledger import is_ledger_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


def _project_dir(name: str) -> Path:
    """A top-level project folder when running from a checkout, else one under the cwd."""
    candidate = PROJECT_ROOT / name
    if (PROJECT_ROOT / "pyproject.toml").exists():
        return candidate
    return Path.cwd() / name


class Settings(BaseSettings):
    """Every knob of the assistant. Env vars are prefixed ``ASSISTANT_``."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="forbid")

    index_dir: Path = Field(default_factory=lambda: _project_dir("index"))
    sources: Annotated[list[Path], NoDecode] = Field(
        default_factory=lambda: [_project_dir("seeds")]
    )
    prompts_dir: Path = Field(default_factory=lambda: _project_dir("prompts"))
    chroma_url: str | None = None  # a Chroma server (http://host:port) instead of index_dir/chroma
    chroma_token: str | None = None  # sent as "Authorization: Bearer <token>" to that server
    ledger_url: str | None = None  # postgresql://user:pass@host:port/db (or sqlite:///path)
    index_lock_wait_s: float = Field(default=30.0, ge=0)  # a second writer waits, then refuses

    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_backend: Literal["torch", "onnx-int8"] = "onnx-int8"
    embedding_batch_size: int = 64

    chunk_tokens: int = Field(default=200, ge=32, le=512)
    chunk_overlap_tokens: int = Field(default=40, ge=0, le=256)

    top_k: int = Field(default=8, ge=1, le=50)
    llm: str = "extractive"
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 60.0
    llm_fallback: bool = True
    drop_unsupported: bool = False

    max_question_chars: int = Field(default=2000, ge=10)
    max_file_bytes: int = Field(default=20_000_000, ge=1)
    # Browser chat limits (ui/app.py): per upload request, and requests per minute per client.
    max_upload_files: int = Field(default=20, ge=1)
    max_upload_bytes: int = Field(default=5_000_000, ge=1)
    rate_limit: int = Field(default=30, ge=0)  # 0 turns the limit off
    # Hostile users (ui/, docs/reliability.md): the chat history one request may carry
    # (oldest dropped), upload bounds, the library page, login backoff, the trusted proxy.
    max_history_messages: int = Field(default=40, ge=0)
    max_history_chars: int = Field(default=40_000, ge=0)
    max_upload_records: int = Field(default=5_000, ge=1)  # records in one JSON(L) upload
    upload_bytes_per_hour: int = Field(default=200_000_000, ge=1)  # per client, at the route
    upload_cache_max_age_s: int = Field(default=3600, ge=60)  # Gradio's upload cache
    upload_dir: Path | None = None  # where uploads are kept; default index_dir/uploads
    library_page_size: int = Field(default=50, ge=1, le=500)
    max_outlet_choices: int = Field(default=50, ge=1, le=1000)
    login_free_attempts: int = Field(default=5, ge=1)  # failed logins before backoff
    login_backoff_s: float = Field(default=1.0, gt=0)  # doubles with each further failure
    # Proxies (IPs or networks) whose X-Forwarded-For is believed; none by default.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Web sources (assistant/web): the sources file, extra feeds, and how politely to fetch.
    sources_file: Path | None = None  # default: sources.toml beside the index folder
    feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)
    feed_limit: int = Field(default=50, ge=1)  # newest entries per feed and refresh
    fetch_timeout_s: float = Field(default=15.0, gt=0)
    fetch_retries: int = Field(default=2, ge=0, le=10)  # after a 5xx or a timeout only
    fetch_backoff_s: float = Field(default=1.0, ge=0)
    fetch_delay_s: float = Field(default=1.0, ge=0)  # between two requests to one host
    fetch_max_bytes: int = Field(default=5_000_000, ge=1000)
    wire_copy_threshold: float = Field(default=0.6, gt=0, le=1)

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        """Accept ``ASSISTANT_SOURCES=a:b`` as well as a JSON list."""
        if isinstance(value, str):
            return [part for part in value.split(":") if part]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        """Accept ``ASSISTANT_TRUSTED_PROXIES=10.0.0.1,10.0.0.0/24`` as well as a list."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: list[str]) -> list[str]:
        import ipaddress

        for proxy in value:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"{proxy!r} is not an IP address or network") from None
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _split_feeds(cls, value: object) -> object:
        """Accept ``ASSISTANT_FEEDS="url1 url2"`` (or comma-separated) as well as a list."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("chroma_url", "chroma_token", "ledger_url", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """An empty ``ASSISTANT_CHROMA_URL=`` means the embedded index."""
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("chroma_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("chroma_url must look like http://host:port")
        return value

    @field_validator("ledger_url")
    @classmethod
    def _ledger_url(cls, value: str | None) -> str | None:
        if value is not None and not is_ledger_url(value):
            raise ValueError(
                "ledger_url must look like postgresql://user:password@host:port/db"
                " or sqlite:///path"
            )
        return value

    @field_validator("chunk_overlap_tokens")
    @classmethod
    def _overlap_below_size(cls, value: int, info: ValidationInfo) -> int:
        size = info.data.get("chunk_tokens", 200)
        if value >= size:
            raise ValueError("chunk_overlap_tokens must be smaller than chunk_tokens")
        return value


def load_settings(**overrides) -> Settings:
    """Build the settings from defaults, ``ASSISTANT_*`` env vars and non-None overrides."""
    clean = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**clean)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigError(
            f"invalid setting ({problems})", hint="check the ASSISTANT_* variables and flags"
        ) from None
