"""The Web DJ: one-time harbor tokens, so a DJ broadcasts from the panel without their password in the page."""

from radiod.webdj.tokens import PREFIX, TTL_MS, Redeemed, is_token, issue, redeem, with_tokens

__all__ = ["PREFIX", "TTL_MS", "Redeemed", "is_token", "issue", "redeem", "with_tokens"]
