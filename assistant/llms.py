"""Chat models chosen by a provider string: ``ollama:<model>``, ``openai:<model>``,
``llamacpp:<path.gguf>``. Each provider's package is optional and imported only when used.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr, SecretStr

from .errors import ConfigError

if TYPE_CHECKING:
    from .settings import Settings

PROVIDER_FORMS = (
    "extractive (no LLM)",
    "ollama:<model> (e.g. ollama:llama3.2)",
    "openai:<model> (with ASSISTANT_LLM_BASE_URL for any OpenAI-compatible server)",
    "llamacpp:<path to a .gguf file> (in process)",
)
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"
OLLAMA_DEFAULT_URL = "http://localhost:11434"
MAX_ANSWER_TOKENS = 512
TEMPERATURE = 0.0  # grounded answers want the most likely wording, and tests want repeatability
SEED = 0
LLAMACPP_CONTEXT = 4096


def parse_provider(provider: str) -> tuple[str, str]:
    """Split ``"kind:target"``; an unknown kind or an empty target is a ConfigError."""
    kind, _, target = (provider or "").partition(":")
    kind, target = kind.strip().lower(), target.strip()
    if kind not in {"ollama", "openai", "llamacpp"} or not target:
        raise ConfigError(
            f"unknown LLM provider '{provider}'",
            hint="use one of: " + "; ".join(PROVIDER_FORMS),
        )
    return kind, target


def endpoint_of(settings: Settings) -> str:
    """Where the configured LLM lives: a URL, or the model file for in-process llama.cpp."""
    kind, target = parse_provider(settings.llm)
    if kind == "openai":
        return settings.llm_base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_DEFAULT_URL
    if kind == "ollama":
        return settings.llm_base_url or os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_URL
    return f"in-process llama.cpp ({target})"


def _missing(package: str, extra: str) -> ConfigError:
    return ConfigError(
        f"the '{extra}' LLM provider needs the package {package}, which is not installed",
        hint=f"pip install 'news-assistant[{extra}]'",
    )


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model ``settings.llm`` names (imports its package lazily)."""
    kind, target = parse_provider(settings.llm)
    if kind == "openai":
        return _openai(target, settings)
    if kind == "ollama":
        return _ollama(target, settings)
    return _llamacpp(target, settings)


def _openai(model: str, settings: Settings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as error:
        raise _missing("langchain-openai", "openai") from error
    api_key = settings.llm_api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if not settings.llm_base_url:
            raise ConfigError(
                "the openai provider needs an API key for api.openai.com",
                hint="set ASSISTANT_LLM_API_KEY, or ASSISTANT_LLM_BASE_URL for a local server",
            )
        api_key = "not-needed"  # local OpenAI-compatible servers ignore the key
    return ChatOpenAI(
        model=model,
        base_url=settings.llm_base_url,
        api_key=SecretStr(api_key),
        timeout=settings.llm_timeout_s,
        max_retries=1,
        temperature=TEMPERATURE,
        seed=SEED,
        max_completion_tokens=MAX_ANSWER_TOKENS,  # the field ``max_tokens``, by its alias
    )


def _ollama(model: str, settings: Settings) -> BaseChatModel:
    try:
        from langchain_ollama import ChatOllama
    except ImportError as error:
        raise _missing("langchain-ollama", "ollama") from error
    return ChatOllama(
        model=model,
        base_url=endpoint_of(settings),
        temperature=TEMPERATURE,
        seed=SEED,
        num_predict=MAX_ANSWER_TOKENS,
        client_kwargs={"timeout": settings.llm_timeout_s},
    )


def _llamacpp(path: str, settings: Settings) -> BaseChatModel:
    try:
        import llama_cpp  # noqa: F401 - only checks that the package is there
    except ImportError as error:
        raise _missing("llama-cpp-python", "llamacpp") from error
    model_path = Path(path).expanduser()
    if not model_path.is_file():
        raise ConfigError(
            f"llamacpp model file {model_path} does not exist",
            hint="use llamacpp:<path to a .gguf file on disk>",
        )
    return LlamaCppChat(model_path=str(model_path.resolve()))


class LlamaCppChat(BaseChatModel):
    """A chat model running a GGUF file in process with llama-cpp-python (loaded lazily)."""

    model_path: str
    n_ctx: int = LLAMACPP_CONTEXT
    max_tokens: int = MAX_ANSWER_TOKENS
    temperature: float = TEMPERATURE
    seed: int = SEED

    _llama: Any = PrivateAttr(default=None)
    _lock: Any = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _model(self):
        if self._llama is None:
            from llama_cpp import Llama

            self._llama = Llama(
                model_path=self.model_path, n_ctx=self.n_ctx, seed=self.seed, verbose=False
            )
        return self._llama

    def _request(self, messages: list[BaseMessage], stop: list[str] | None) -> dict:
        return {
            "messages": [_as_dict(message) for message in messages],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stop": stop or [],
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Answer in one piece."""
        with self._lock:
            result = self._model().create_chat_completion(**self._request(messages, stop))
        text = result["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Yield the answer token by token."""
        with self._lock:
            pieces = self._model().create_chat_completion(
                **self._request(messages, stop), stream=True
            )
            for piece in pieces:
                text = piece["choices"][0]["delta"].get("content")
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk


_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def _as_dict(message: BaseMessage) -> dict[str, str]:
    content = message.content if isinstance(message.content, str) else message.text
    return {"role": _ROLES.get(message.type, "user"), "content": content}
