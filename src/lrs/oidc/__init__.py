"""Signing in with an outside OpenID Connect provider (authlib and joserfc).

Generic on purpose: each provider is configured entirely by settings
(``settings.LRS_OIDC_PROVIDERS[name]``), one client per provider, so that learners'
GOV.UK One Login (``onelogin.py`` adds its identity claims) and, later, organisation
users' DfE Sign-in share the same flow: authorization code with PKCE, a signed request
object (JAR), ``private_key_jwt`` client authentication, a nonce, and ID token checks.
"""
