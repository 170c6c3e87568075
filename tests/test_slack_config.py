"""Slack settings (adapters/slack/config.py): what is missing, and the Web API base URL."""

from __future__ import annotations

from dataclasses import replace

from adapters.slack import config


def test_configuration_problem_names_what_is_missing(settings):
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in config.configuration_problem(settings)
    socket = config.configuration_problem(replace(settings, slack_bot_token="xoxb-1"), socket_mode=True)
    assert "SLACK_APP_TOKEN" in socket and "SLACK_BOT_TOKEN" not in socket
    ok = replace(settings, slack_bot_token="xoxb-1", slack_signing_secret="s")
    assert config.configuration_problem(ok) == ""
    assert config.api_url(ok) == "https://slack.com/api/"
    assert config.api_url(replace(ok, slack_api_url="http://127.0.0.1:9/api")) == "http://127.0.0.1:9/api/"
