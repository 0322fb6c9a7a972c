"""Slack: slack-bolt listeners that turn Slack payloads into Turns and Replies into Block Kit."""
