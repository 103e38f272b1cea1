"""The Gradio browser chat (a thin adapter over the assistant API); see ``ui.app``."""
