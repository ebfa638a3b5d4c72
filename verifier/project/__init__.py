"""A project's own settings: configuration, baselines, inline suppressions."""
