"""The published lists: learning providers and awarding organisations, in kept monthly
editions, public pages and downloads."""
